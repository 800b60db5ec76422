"""Translation between protobuf messages and the JSON the public API speaks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2


def struct_from(data: dict[str, Any] | None) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    if data:
        result.update(data)
    return result


def dict_from(value: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(value)


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


def message_dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
