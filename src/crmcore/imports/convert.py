"""One sheet row -> the values of a new record, through the field types (``parse_text``), or the
reasons it cannot be imported (row number, column, message)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crmcore.imports.mapping import NAME, OWNER, TAGS
from crmcore.imports.sheets import Cell, Row, text_of
from crmcore.kernel.formula_guard import restore
from crmcore.properties.types import FieldType, InvalidValue
from crmcore.records.schemas import MAX_TAGS
from crmcore.records.values import EntitySchema, PropertyView

MAX_NAME = 200
MAX_TAG = 50


@dataclass(slots=True)
class RowValues:
    number: int
    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    owner_id: str | None = None
    owner_given: bool = False
    links: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CellError:
    row: int
    column: int
    message: str

    def to_wire(self) -> dict[str, Any]:
        return {"row": self.row, "column": str(self.column), "message": self.message}


Converter = Callable[[Cell], Any]


def _property_converter(view: PropertyView) -> Converter:
    kind = view.type
    choices = view.choices
    numeric = view.field_type is FieldType.NUMBER
    boolean = view.field_type is FieldType.CHECKBOX

    parse_text = kind.parse_text

    def convert(cell: Cell) -> Any:
        if type(cell) is str:  # every cell of a CSV: the shortest way
            return parse_text(restore(cell), choices)
        if cell is None:
            return None
        if numeric and isinstance(cell, int | float) and not isinstance(cell, bool):
            return kind.normalise(cell, choices)
        if boolean and isinstance(cell, bool):
            return cell
        return kind.parse_text(restore(text_of(cell)), choices)

    return convert


class RowConverter:
    def __init__(
        self, mappings: Mapping[int, str], schema: EntitySchema, link_columns: Sequence[int] = ()
    ) -> None:
        self._properties: list[tuple[int, str, Converter, str]] = []
        self._name: int | None = None
        self._tags: int | None = None
        self._owner: int | None = None
        for index, target in mappings.items():
            if target == NAME:
                self._name = index
            elif target == TAGS:
                self._tags = index
            elif target == OWNER:
                self._owner = index
            else:
                view = schema.properties[target]
                label = f"{view.name}: "
                self._properties.append((index, target, _property_converter(view), label))
        self._links = list(link_columns)

    @property
    def owner_column(self) -> int:
        return -1 if self._owner is None else self._owner

    def convert(self, row: Row) -> RowValues | list[CellError]:
        cells = row.cells
        width = len(cells)
        # Cells past the end of a short row are empty (spreadsheets drop trailing blanks).
        cell = cells.__getitem__
        values = RowValues(row.number)
        errors: list[CellError] = []
        if self._name is not None and self._name < width:
            name = restore(text_of(cell(self._name))).strip()
            if len(name) > MAX_NAME:
                errors.append(CellError(row.number, self._name, f"name: longer than {MAX_NAME}"))
            values.name = name
        for index, property_id, convert, label in self._properties:
            if index >= width:
                continue
            try:
                value = convert(cell(index))
            except InvalidValue as error:
                errors.append(CellError(row.number, index, label + error.reason))
                continue
            if value is not None:
                values.data[property_id] = value
        if self._tags is not None and self._tags < width:
            tags = _tags(restore(text_of(cell(self._tags))))
            if isinstance(tags, str):
                errors.append(CellError(row.number, self._tags, tags))
            else:
                values.tags = tags
        if self._owner is not None:
            # A mapped owner column decides, even when empty (= unowned).
            owner = restore(text_of(cell(self._owner))).strip() if self._owner < width else ""
            values.owner_given = True
            values.owner_id = owner or None
        for index in self._links:
            if index < width:
                text = restore(text_of(cell(index))).strip()
                if text:
                    values.links[index] = text
        return errors or values


def _tags(text: str) -> list[str] | str:
    tags = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if len(tags) > MAX_TAGS:
        return f"tags: at most {MAX_TAGS}"
    for tag in tags:
        if len(tag) > MAX_TAG:
            return f"tags: '{tag[:20]}…' is longer than {MAX_TAG} characters"
    return tags
