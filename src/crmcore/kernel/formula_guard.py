"""THE formula-injection guard of spreadsheet cells (OWASP "CSV injection"), shared by exports
(which write it) and imports (which take it off again), so that a value survives the round trip.

* Every *text* cell whose first character is one of ``=`` ``+`` ``-`` ``@`` TAB (U+0009)
  CR (U+000D) or ``'`` itself gets one ``'`` put in front, in CSV and XLSX alike.
* Number cells are never guarded (a number is not a formula, also when negative).
* Guarding ``'`` itself makes the rule invertible: every text cell written with a leading ``'``
  carries exactly one added ``'``. Reading back: remove one leading ``'`` from every text cell
  that starts with ``'`` (Excel itself treats a leading apostrophe as "this is text" and hides
  it); numeric cells are never touched.
"""

#: First characters that make a spreadsheet read a cell as a formula (plus ``'``, see above).
GUARDED_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
GUARD = "'"


def neutralise(text: str) -> str:
    """A text cell as written."""
    return GUARD + text if text.startswith(GUARDED_STARTS) else text


def restore(text: str) -> str:
    """The inverse of ``neutralise`` for a text cell read back."""
    return text[1:] if text.startswith(GUARD) else text
