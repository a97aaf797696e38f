"""Rewrites parts of a generated request with real IDs and plausible values.

Choices go through a ``Chooser``: Hypothesis' ``data`` while fuzzing (so that a seed replays the
same choices) or a seeded ``random.Random`` for the coverage phase, whose cases schemathesis
builds without Hypothesis.
"""

import json
import random
from collections.abc import Sequence
from datetime import UTC
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from reliability.checks import AnyCase
from reliability.seeding import OPTION_VALUES, IdPool

T = TypeVar("T")
#: Marker for "keep what schemathesis generated".
KEEP: Any = object()
#: Record fields that filters, sorts and conditions may name besides property IDs.
SYSTEM_FIELDS = ["name", "tags", "ownerId", "dateCreated", "dateUpdated", "recordId", "createdBy"]
OPERATORS = [
    "eq", "ne", "contains", "notContains", "startsWith", "endsWith", "in", "notIn", "gt", "gte",
    "lt", "lte", "between", "isEmpty", "isNotEmpty", "equals", "neq", "nin",
]  # fmt: skip
#: Strings that parse as something for some field type, to get past the first validation.
PLAUSIBLE_TEXT = [
    "red", "blue", "alpha", "2026-11-23", "2026-02-30", "2026-11-23T10:00:00Z",
    "2026-11-23T10:00:00.123456789+09:00", "someone@example.com", "+82 10-1234-5678",
    "https://example.com/x", "42", "-0", "1e309", "NaN", "", " ", "\u0000", "%_\\",
]  # fmt: skip

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from(PLAUSIBLE_TEXT)
    | st.text(max_size=12)
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["op", "value", "x"]), children, max_size=2)
    ),
    max_leaves=6,
)

_OPTION = st.sampled_from(OPTION_VALUES)
_NUMBER = st.integers() | st.floats() | st.decimals(allow_nan=False).map(str)
#: Values each field type accepts, and edge cases of them; the raw strategy stays in the mix.
VALID_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "TEXT": st.text(max_size=40),
    "TEXTAREA": st.text(max_size=200),
    "NUMBER": _NUMBER,
    "PHONE": st.from_regex(r"\+?[0-9 ().\-]{5,30}", fullmatch=True),
    "EMAIL": st.emails(),
    "CHECKBOX": st.booleans(),
    "MULTI_CHECKBOX": st.lists(_OPTION, max_size=3),
    "DATE": st.dates().map(lambda day: day.isoformat()),
    "DATETIME": st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    "DROPDOWN": _OPTION,
    "RADIO": _OPTION,
    "URL": st.from_regex(r"https?://[a-z0-9.\-]{1,20}(/[!-~]{0,20})?", fullmatch=True),
}

#: What a hostile client sends that no schema mentions: NUL, lone surrogates (both reach the
#: server through JSON escapes), NaN and infinities (Python's json reads them), numbers beyond
#: 64 bits or any double.
POISON_TEXT = ["a\x00b", "\x00", "\ud800", "x\udfffy"]
POISON_NUMBERS: list[Any] = [
    float("nan"), float("inf"), float("-inf"), 2**63, 2**64, -(2**63) - 1, 10**30, 1e308,
    -1e308, 5e-324, -0.0,
]  # fmt: skip
#: Nesting that a JSON parser takes but encoders and validators may not (orjson writes 254
#: levels at most); deeper than Python's own recursion limit cannot be sent from here.
POISON_NESTING = [json.loads("[" * depth + "]" * depth) for depth in (100, 300)]
#: Query strings and paths carry text only, and a lone surrogate cannot be percent-encoded.
POISON_URL = ["a\x00b", "\x00"]


class Chooser(Protocol):
    #: Whether ``draw`` works (only inside Hypothesis).
    can_draw: bool

    def pick(self, options: Sequence[T]) -> T: ...

    def draw(self, strategy: st.SearchStrategy[T]) -> T: ...


class DrawChooser:
    can_draw = True

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def draw(self, strategy: st.SearchStrategy[T]) -> T:
        return self.data.draw(strategy)


class SeededChooser:
    can_draw = False

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(options)

    def draw(self, strategy: st.SearchStrategy[T]) -> T:
        raise NotImplementedError("only Hypothesis can draw from a strategy")


def _coin(chooser: Chooser) -> bool:
    flipped: bool = chooser.pick([False, True])
    return flipped


class Substituter:
    def __init__(self) -> None:
        self.pool = IdPool()

    def freeze(self, pool: IdPool) -> None:
        """Use a snapshot of ``pool`` until the next freeze; the live pool keeps learning."""
        self.pool = pool.snapshot()

    def apply(self, case: AnyCase, chooser: Chooser) -> None:
        for name in list(case.path_parameters or {}):
            choice = self._maybe_id(name, chooser)
            if choice is not KEEP:
                case.path_parameters[name] = choice
        self._rewrite_query(case, chooser)
        body = case.body
        if isinstance(body, dict | list):
            case.body = self._rewrite(body, chooser)
        # One request in four, when drawing: poison some values of an otherwise sane request.
        if chooser.can_draw and chooser.pick([False, False, False, True]):
            self._poison(case, chooser)

    def _poison(self, case: AnyCase, chooser: Chooser) -> None:
        for location in (case.path_parameters, case.query):
            for name, value in list((location or {}).items()):
                if isinstance(value, str) and chooser.pick([False, False, True]):
                    location[name] = chooser.pick(POISON_URL)
        if isinstance(case.body, dict | list):
            case.body = self._poisoned(case.body, chooser)

    def _poisoned(self, value: Any, chooser: Chooser) -> Any:
        if isinstance(value, dict):
            return {
                (chooser.pick(POISON_TEXT) if chooser.pick([False] * 7 + [True]) else key): (
                    self._poisoned(item, chooser)
                )
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self._poisoned(item, chooser) for item in value]
        if isinstance(value, bool) or value is None or not chooser.pick([False, False, True]):
            return value
        if isinstance(value, str):
            return chooser.pick(POISON_TEXT)
        return chooser.pick([*POISON_NUMBERS, *POISON_NESTING])

    def _maybe_id(self, name: str, chooser: Chooser) -> Any:
        candidates = self.pool.candidates(name)
        # Seeded IDs twice as likely: requests naming several IDs succeed only when they match.
        weighted = [KEEP, *candidates, *self.pool.seeded_for(name)]
        return chooser.pick(weighted) if candidates else KEEP

    def _fields(self) -> list[str]:
        return [*self.pool.candidates("propertyId"), *SYSTEM_FIELDS]

    def _rewrite_query(self, case: AnyCase, chooser: Chooser) -> None:
        declared = sorted(
            parameter.name for parameter in case.operation.query if parameter.name is not None
        )
        query = dict(case.query or {})
        for name in declared:
            choice: Any = KEEP
            if name == "filters" and chooser.can_draw:
                if _coin(chooser):
                    choice = json.dumps(self._filters(chooser))
            elif name == "sortField":
                choice = chooser.pick([KEEP, *self._fields()])
            else:
                choice = self._maybe_id(name, chooser)
            if choice is not KEEP:
                query[name] = choice
        if query or case.query is not None:
            case.query = query

    def _value(self, field: str) -> st.SearchStrategy[Any]:
        """A value for a record field: mostly of the property's type, sometimes anything."""
        valid = VALID_VALUES.get(self.pool.property_types.get(field, ""))
        return JSON_VALUES if valid is None else valid | valid | JSON_VALUES

    def _values(self, fields: Sequence[str]) -> st.SearchStrategy[dict[str, Any]]:
        """Record ``data``: some of the fields, each with a value of its type (mostly)."""
        return st.fixed_dictionaries({}, optional={field: self._value(field) for field in fields})

    def _filters(self, chooser: Chooser) -> dict[str, Any]:
        def spec(field: str) -> st.SearchStrategy[Any]:
            value = self._value(field)
            operator = st.fixed_dictionaries({"op": st.sampled_from(OPERATORS), "value": value})
            return (
                operator
                | value
                | st.fixed_dictionaries(
                    {"op": st.sampled_from(OPERATORS), "value": st.lists(value, max_size=3)}
                )
            )

        fields = st.lists(st.sampled_from(self._fields()), unique=True, max_size=3)
        return chooser.draw(
            fields.flatmap(lambda names: st.fixed_dictionaries({n: spec(n) for n in names}))
        )

    def _rewrite(self, value: Any, chooser: Chooser) -> Any:
        if isinstance(value, list):
            return [self._rewrite(item, chooser) for item in value]
        if not isinstance(value, dict):
            return value
        rewritten: dict[str, Any] = {}
        for key, item in value.items():
            replacement = self._replacement(key, item, value, chooser)
            rewritten[key] = self._rewrite(item, chooser) if replacement is KEEP else replacement
        return rewritten

    def _replacement(self, key: str, item: Any, parent: dict[str, Any], chooser: Chooser) -> Any:
        if key.endswith("Ids") and isinstance(item, list):
            candidates = self.pool.candidates(key[:-1])
            if not candidates or not _coin(chooser):
                return KEEP
            if not chooser.can_draw:
                return candidates[:1]
            return chooser.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=4))
        if key.endswith("Id") and (item is None or isinstance(item, str)):
            return self._maybe_id(key, chooser)
        if key == "data" and isinstance(item, dict) and chooser.can_draw:
            properties = self.pool.candidates("propertyId")
            if properties and _coin(chooser):
                return chooser.draw(self._values(properties))
            return KEEP
        if key == "value" and isinstance(parent.get("field"), str) and chooser.can_draw:
            # A condition: a value of the field's type gets past validation into the SQL.
            return chooser.draw(st.just(KEEP) | self._value(parent["field"]))
        if key == "field" and isinstance(item, str):
            return chooser.pick([KEEP, *self._fields()])
        if key == "operator" and "field" in parent and isinstance(item, str):
            return chooser.pick([KEEP, *OPERATORS])
        return KEEP
