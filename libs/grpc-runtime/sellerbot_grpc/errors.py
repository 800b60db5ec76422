"""Field-level validation errors over gRPC, with Google's rich error model (google.rpc.BadRequest).

Services raise them with `abort_invalid_argument`; the gateway reads them back with
`field_violations_of` and turns them into a 422 JSON body that names each bad field.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


async def abort_invalid_argument(
    context: grpc.aio.ServicerContext, message: str, violations: list[FieldViolation]
) -> None:
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in violations
            ]
        )
    )
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])
    await context.abort_with_status(rpc_status.to_status(status))


def field_violations_of(error: grpc.aio.AioRpcError) -> list[FieldViolation]:
    """Field violations carried by an INVALID_ARGUMENT error (empty when there are none)."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    if status is None:
        return []
    found: list[FieldViolation] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.extend(FieldViolation(v.field, v.description) for v in bad_request.field_violations)
    return found
