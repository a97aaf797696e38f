"""Which column goes where: ``columnMappings`` as sent (``{"0": "__name__", "3": "<propertyId>"}``)
or, when absent, by header name; and ``linkConfigs`` (link imported rows to records elsewhere)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from pydantic.alias_generators import to_camel

from crmcore.kernel.errors import ValidationError
from crmcore.records.values import EntitySchema
from crmcore.relationships.schemas import FieldRef

NAME = "__name__"
TAGS = "__tags__"
OWNER = "__ownerId__"
SYSTEM_TARGETS = (NAME, TAGS, OWNER)
MAX_LINKS = 10
# Headers that name a system field when no mapping is sent (an export's own columns included:
# recordId and the dates are not imported, they belong to the new records).
_SYSTEM_HEADERS = {
    "name": NAME, "이름": NAME, "__name__": NAME, "record name": NAME,
    "tags": TAGS, "태그": TAGS, "__tags__": TAGS,
    "ownerid": OWNER, "owner": OWNER, "담당자": OWNER, "__ownerid__": OWNER,
}  # fmt: skip


def parse_json_field(raw: str | None, field: str) -> Any:
    if raw is None or raw.strip() == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValidationError(f"{field}: not valid JSON") from error


def parse_has_header(raw: str | None) -> bool:
    if raw is None or raw == "":
        return True
    if raw.lower() not in ("true", "false"):
        raise ValidationError("hasHeader: must be 'true' or 'false'")
    return raw.lower() == "true"


def _fold(header: str) -> str:
    return " ".join(header.split()).casefold()


def auto_mappings(headers: Sequence[str | None], schema: EntitySchema) -> dict[int, str]:
    by_name: dict[str, str] = {}
    for view in schema.properties.values():
        by_name.setdefault(_fold(view.name), view.property_id)
        if view.key:
            by_name.setdefault(_fold(view.key), view.property_id)
    result: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        if not header:
            continue
        folded = _fold(header)
        target = by_name.get(folded) or _SYSTEM_HEADERS.get(folded)
        if target is not None and target not in taken:
            result[index] = target
            taken.add(target)
    return result


def resolve_mappings(
    raw: Any, headers: Sequence[str | None], width: int, schema: EntitySchema
) -> dict[int, str]:
    """Column index -> target; ``raw`` is the parsed ``columnMappings`` (None: by header)."""
    if raw is None:
        return auto_mappings(headers, schema)
    if not isinstance(raw, dict):
        raise ValidationError('columnMappings: must be an object like {"0": "__name__"}')
    result: dict[int, str] = {}
    targets: dict[str, str] = {}
    for key, target in raw.items():
        if not (isinstance(key, str) and key.isdigit() and len(key) <= 5):
            raise ValidationError(f"columnMappings: '{str(key)[:20]}' is not a column index")
        index = int(key)
        if index >= width:
            raise ValidationError(f"columnMappings: the sheet has no column {index}")
        if target is None or target == "":
            continue
        if not isinstance(target, str):
            raise ValidationError(f"columnMappings.{key}: must be a string")
        if target not in SYSTEM_TARGETS and target not in schema.properties:
            raise ValidationError(
                f"columnMappings.{key}: '{target[:64]}' is neither {', '.join(SYSTEM_TARGETS)} "
                "nor a property of the entity"
            )
        if target in targets:
            raise ValidationError(
                f"columnMappings: columns {targets[target]} and {key} both map to '{target[:64]}'"
            )
        targets[target] = key
        result[index] = target
    return result


class _Strict(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class LinkConfig(_Strict):
    entity_id: str = Field(max_length=64)
    relationship_type_id: str | None = Field(default=None, max_length=64)
    column_index: str | int | None = None
    match_field: FieldRef | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A resolved link column: cells name records of ``entity_id`` (by name or a property)."""

    column: int
    entity_id: str
    relationship_type_id: str
    swapped: bool
    #: Where the matched values live in the other entity's records (None: match names).
    data_key: str | None


def parse_link_configs(raw: Any) -> list[LinkConfig]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValidationError("linkConfigs: must be an array")
    if len(raw) > MAX_LINKS:
        raise ValidationError(f"linkConfigs: at most {MAX_LINKS} links")
    try:
        return [LinkConfig.model_validate(item) for item in raw]
    except PydanticError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValidationError(f"linkConfigs: {where}: {first['msg']}") from error


def link_column(config: LinkConfig, width: int, position: int) -> int:
    raw = config.column_index
    if raw is None:
        raise ValidationError(f"linkConfigs[{position}].columnIndex: which column holds the names")
    text = str(raw)
    if not text.isdigit() or int(text) >= width:
        raise ValidationError(
            f"linkConfigs[{position}].columnIndex: the sheet has no column {text[:8]}"
        )
    return int(text)


def mapped_columns(mappings: Mapping[int, str]) -> dict[str, str]:
    """For the wire: ``{"0": "__name__", ...}``."""
    return {str(index): target for index, target in sorted(mappings.items())}
