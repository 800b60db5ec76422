"""gRPC plumbing shared by the gateway and the services (no domain logic)."""

from sellerbot_grpc.channel import open_channel
from sellerbot_grpc.errors import FieldViolation, abort_invalid_argument, field_violations_of
from sellerbot_grpc.garbage_collection import freeze_startup_heap
from sellerbot_grpc.server import GrpcServer
from sellerbot_grpc.termination import until_terminated
from sellerbot_grpc.user_identity import (
    ACTOR_ID_METADATA_KEY,
    USER_ID_METADATA_KEY,
    caller_actor_id,
    caller_user_id,
    tenant_metadata,
    user_metadata,
)

__all__ = [
    "ACTOR_ID_METADATA_KEY",
    "USER_ID_METADATA_KEY",
    "FieldViolation",
    "GrpcServer",
    "abort_invalid_argument",
    "caller_actor_id",
    "caller_user_id",
    "field_violations_of",
    "freeze_startup_heap",
    "open_channel",
    "tenant_metadata",
    "until_terminated",
    "user_metadata",
]
