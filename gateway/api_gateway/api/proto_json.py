"""Translation between protobuf messages and the JSON the public API speaks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor


def struct_from(data: dict[str, Any] | None) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    if data:
        result.update(data)
    return result


def _whole_numbers_as_ints(value: Any) -> Any:
    """Struct numbers are doubles on the wire; `{"max_replies": 50}` should come back as 50, not 50.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers_as_ints(v) for v in value]
    return value


def dict_from(value: struct_pb2.Struct) -> dict[str, Any]:
    data: dict[str, Any] = _whole_numbers_as_ints(json_format.MessageToDict(value))
    return data


def time_from(value: timestamp_pb2.Timestamp, present: bool = True) -> datetime | None:
    if not present or (value.seconds == 0 and value.nanos == 0):
        return None
    return value.ToDatetime(tzinfo=datetime.now().astimezone().tzinfo).astimezone()


def enum_label(full_name: str, prefix: str) -> str:
    """TASK_TYPE_REPLY_COMMENTS -> reply_comments."""
    return full_name.removeprefix(prefix).lower()


def enum_name(label: str, prefix: str) -> str:
    """reply_comments -> TASK_TYPE_REPLY_COMMENTS."""
    return prefix + label.upper()


_INT64_TYPES = {
    FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64,
}
_OPAQUE_MESSAGES = {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
                    "google.protobuf.Timestamp"}


def _int64_as_numbers(descriptor: Descriptor, data: dict[str, Any]) -> dict[str, Any]:
    """The proto3 JSON mapping writes 64-bit integers as strings; our API's counts are plain JSON numbers."""
    for field in descriptor.fields:
        if field.name not in data:
            continue
        value = data[field.name]
        if field.type in _INT64_TYPES:
            data[field.name] = [int(v) for v in value] if isinstance(value, list) else int(value)
        elif field.message_type is not None and field.message_type.full_name not in _OPAQUE_MESSAGES:
            if field.message_type.GetOptions().map_entry:
                continue
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    _int64_as_numbers(field.message_type, item)
    return data


def message_dict(message: Any) -> dict[str, Any]:
    data = json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return _int64_as_numbers(message.DESCRIPTOR, data)
