"""Encoding and decoding of typed messages, with errors the edge understands."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from meetroom.errors import N_, Invalid

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


def encode_json(value: Any) -> bytes:
    return _encoder.encode(value)


def decode_json(data: bytes, type_: type[T]) -> T:
    """Decode and validate a request body; a bad one raises Invalid naming the field."""
    try:
        return msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:
        text = str(exc)
        match = re.search(r"at `\$\.([\w.\[\]]+)`", text)
        field = match.group(1) if match else None
        reason = re.sub(r" - at `\$[^`]*`", "", text)
        raise Invalid(
            "invalid_field" if field else "invalid_body",
            N_("Invalid value for {field}: {reason}") if field else N_("Invalid request: {reason}"),
            details={"field": field} if field else None,
            field=field or "",
            reason=reason,
        ) from None
    except msgspec.DecodeError:
        raise Invalid("invalid_json", N_("The request body is not valid JSON.")) from None


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


def json_schemas(types: list[Any]) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """JSON Schemas of `types` with shared components, for the OpenAPI document."""
    return msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")


UNSET = msgspec.UNSET
UnsetType = msgspec.UnsetType
Struct = msgspec.Struct
Meta = msgspec.Meta
