"""THE export file format: CSV and XLSX writers fed one row at a time (nothing is held in memory).

A row is a sequence of cells; a cell is text (``str``) or a number (``Numeric``, a NUMBER
property's value). The two formats agree cell for cell:

* **CSV**: UTF-8 with a BOM (so Excel detects the encoding), CRLF line ends, RFC 4180 quoting (a
  field is quoted when it holds ``,``, ``"``, CR or LF; quotes are doubled). Numbers are written
  in their shortest decimal form; an empty cell is an empty field.
* **XLSX**: one sheet, written in openpyxl's streaming (write-only) mode. Numbers are numeric
  cells (a number whose 17 significant digits openpyxl's ``%.16g`` would round is written as
  the same decimal text instead, so it still reads back exactly); text is a string cell, never a
  formula; an empty cell is left empty. XML cannot carry the control characters U+0000-U+0008,
  U+000B, U+000C and U+000E-U+001F: they are dropped from XLSX text (CSV keeps them).

Text cells are guarded against formula injection by ``crmcore.kernel.formula_guard`` (the
rule an import inverts); number cells never are.
"""

import contextlib
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from crmcore.kernel.formula_guard import neutralise


class ExportFormat(StrEnum):
    CSV = "csv"
    EXCEL = "excel"  # SOLAPI's name for XLSX


#: File name extension and MIME type of each format.
FILE_TYPES = {
    ExportFormat.CSV: ("csv", "text/csv; charset=utf-8"),
    ExportFormat.EXCEL: (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


@dataclass(frozen=True, slots=True)
class Numeric:
    """A number cell: ``text`` is its shortest decimal form, ``value`` the number itself."""

    text: str
    value: int | float


Cell = str | Numeric
Row = Sequence[Cell]


class SheetWriter(Protocol):
    def write_row(self, row: Row) -> None: ...

    def close(self) -> None:
        """Finish the file (XLSX is assembled here)."""

    def abort(self) -> None:
        """Give up: release what is open; the caller deletes the file."""


class CsvWriter:
    def __init__(self, path: Path) -> None:
        self._handle = io.TextIOWrapper(path.open("wb"), encoding="utf-8", newline="")
        self._handle.write("\ufeff")
        self._csv = csv.writer(self._handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def write_row(self, row: Row) -> None:
        self._csv.writerow(
            [cell.text if isinstance(cell, Numeric) else neutralise(cell) for cell in row]
        )

    def close(self) -> None:
        self._handle.close()

    def abort(self) -> None:
        self._handle.close()


def _exact_in_xlsx(number: int | float) -> bool:
    """openpyxl writes numbers with ``%.16g``: true when that reads back as the same number."""
    return float(f"{number:.16g}") == number


class XlsxWriter:
    def __init__(self, path: Path, sheet_title: str) -> None:
        self._path = path
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet_title)

    def write_row(self, row: Row) -> None:
        self._sheet.append([self._cell(cell) for cell in row])

    @staticmethod
    def _cell(cell: Cell) -> str | int | float | None:
        if isinstance(cell, Numeric):
            return cell.value if _exact_in_xlsx(cell.value) else cell.text
        text = ILLEGAL_CHARACTERS_RE.sub("", cell)
        return neutralise(text) if text else None

    def close(self) -> None:
        self._book.save(self._path)

    def abort(self) -> None:
        # Saving is openpyxl's only public way to remove the temporary file it streams rows to.
        with contextlib.suppress(Exception):
            self._book.save(self._path)


def sheet_title(name: str) -> str:
    """A valid worksheet name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in name).strip(" '")
    return cleaned[:31] or "Records"


def open_writer(file_format: ExportFormat, path: Path, title: str) -> SheetWriter:
    """A writer of ``file_format`` into ``path`` (``title`` names the XLSX sheet)."""
    if file_format is ExportFormat.EXCEL:
        return XlsxWriter(path, sheet_title(title))
    return CsvWriter(path)
