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
        raise _invalid(str(exc)) from None
    except msgspec.DecodeError:
        raise Invalid("invalid_json", N_("The request body is not valid JSON.")) from None


def decode_api_json(data: bytes, type_: type[T]) -> T:
    """A JSON API body. As JSON Schema (and so the OpenAPI document) has it, 5.0 is
    an integer: where msgspec refuses a float that is a whole number, it is taken for
    that number. The API's bodies have no field of type float."""
    try:
        return decode_json(data, type_)
    except Invalid as exc:
        if exc.code != "invalid_field" or exc.params.get("got") != "float":
            raise
        whole = _whole_floats(msgspec.json.decode(data))
        try:
            return msgspec.convert(whole, type_)
        except msgspec.ValidationError as again:
            raise _invalid(str(again)) from None


def _whole_floats(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [_whole_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_floats(v) for k, v in value.items()}
    return value


def _invalid(text: str) -> Invalid:
    """msgspec's message, turned into a translatable error that names the field."""
    path = re.search(r" - at `\$\.?([^`]*)`", text)
    where = path.group(1) if path else ""
    reason = text[: path.start()] if path else text
    missing = re.fullmatch(r"Object missing required field `([^`]+)`", reason)
    if missing:
        field = ".".join(p for p in (where, missing.group(1)) if p)
        return Invalid(
            "missing_field",
            N_("The field {field} is required."),
            details={"field": field},
            field=field,
        )
    unknown = re.fullmatch(r"Object contains unknown field `([^`]+)`", reason)
    if unknown:
        field = ".".join(p for p in (where, unknown.group(1)) if p)
        return Invalid(
            "unknown_field", N_("Unknown field: {field}."), details={"field": field}, field=field
        )
    if where == "type" and reason.startswith("Invalid value"):
        # The tag of a tagged union: a message type this server does not know.
        return Invalid(
            "unknown_type", N_("Unknown message type: {value}."), value=reason[14:].strip(" '")
        )
    if where:
        return _invalid_value(where, reason)
    return Invalid("invalid_body", N_("Invalid request: {reason}"), reason=reason)


def _invalid_value(field: str, reason: str) -> Invalid:
    details = {"field": field}
    expected = re.fullmatch(r"Expected `([^`]+)`, got `([^`]+)`", reason)
    if expected:
        return Invalid(
            "invalid_field",
            N_("Invalid value for {field}: expected {expected}, got {got}."),
            details=details,
            field=field,
            expected=expected.group(1),
            got=expected.group(2),
        )
    if reason.startswith("Invalid enum value"):
        return Invalid(
            "invalid_field",
            N_("Invalid value for {field}: not one of the allowed values."),
            details=details,
            field=field,
        )
    bound = re.fullmatch(r"Expected `\w+` of length ([<>]=) (\d+)", reason)
    if bound:
        longest = bound.group(1) == "<="
        return Invalid(
            "invalid_field",
            N_("Invalid value for {field}: at most {n} characters.")
            if longest
            else N_("Invalid value for {field}: at least {n} characters."),
            details=details,
            field=field,
            n=int(bound.group(2)),
        )
    return Invalid(
        "invalid_field",
        N_("Invalid value for {field}: {reason}"),
        details=details,
        field=field,
        reason=reason,
    )


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


def convert(value: Any, type_: type[T]) -> T:
    """Builtins (e.g. JSON kept in the database) to a typed message."""
    return msgspec.convert(value, type_)


def replace(struct: T, **changes: Any) -> T:
    return msgspec.structs.replace(struct, **changes)  # type: ignore[type-var]


def json_schemas(types: list[Any]) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """JSON Schemas of `types` with shared components, for the OpenAPI document."""
    return msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")


UNSET = msgspec.UNSET
UnsetType = msgspec.UnsetType
Struct = msgspec.Struct
Meta = msgspec.Meta
