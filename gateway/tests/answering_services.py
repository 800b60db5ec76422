"""One in-process gRPC server answering every RPC of every service with an empty (valid, all-defaults) reply,
for tests about what the gateway itself enforces (the permission walk): a permitted call gets the route's
success status instead of a 503, and each call's tenant metadata is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message_factory import GetMessageClass
from sellerbot.automation.v1 import automation_pb2
from sellerbot.channels.v1 import channel_adapter_pb2
from sellerbot.chatbot.v1 import chatbot_pb2, crm_pb2, inbox_pb2
from sellerbot.notification.v1 import notification_pb2
from sellerbot_grpc import USER_ID_METADATA_KEY

SERVICES: list[ServiceDescriptor] = [
    service
    for module in (automation_pb2, channel_adapter_pb2, chatbot_pb2, crm_pb2, inbox_pb2, notification_pb2)
    for service in module.DESCRIPTOR.services_by_name.values()
]


@dataclass
class Call:
    method: str  # /package.Service/Method
    tenant: str


@dataclass
class AnsweringServices:
    server: grpc.aio.Server
    address: str
    calls: list[Call] = field(default_factory=list)

    @classmethod
    async def start(cls) -> AnsweringServices:
        server = grpc.aio.server()
        port = server.add_insecure_port("127.0.0.1:0")
        services = cls(server, f"127.0.0.1:{port}")
        server.add_generic_rpc_handlers([services._handlers(service) for service in SERVICES])
        await server.start()
        return services

    async def stop(self) -> None:
        await self.server.stop(grace=None)

    def _record(self, name: str, context: grpc.aio.ServicerContext) -> None:
        metadata = dict(context.invocation_metadata() or ())
        self.calls.append(Call(name, str(metadata.get(USER_ID_METADATA_KEY, ""))))

    def _handler(self, service: ServiceDescriptor, method: MethodDescriptor) -> grpc.RpcMethodHandler:
        name = f"/{service.full_name}/{method.name}"
        reply: Callable[[], Any] = GetMessageClass(method.output_type)
        codec = {"request_deserializer": GetMessageClass(method.input_type).FromString,
                 "response_serializer": reply().__class__.SerializeToString}
        if method.server_streaming:
            async def stream(_: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                self._record(name, context)
                yield reply()

            return grpc.unary_stream_rpc_method_handler(stream, **codec)

        async def unary(_: Any, context: grpc.aio.ServicerContext) -> Any:
            self._record(name, context)
            return reply()

        return grpc.unary_unary_rpc_method_handler(unary, **codec)

    def _handlers(self, service: ServiceDescriptor) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            service.full_name, {method.name: self._handler(service, method) for method in service.methods})
