"""The server's tracing interceptor opens a span per call, except for the methods named untraced."""

from __future__ import annotations

import grpc
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sellerbot_grpc import open_channel
from sellerbot_grpc.server import GrpcServer

EXPORTER = InMemorySpanExporter()
PROVIDER = TracerProvider()
PROVIDER.add_span_processor(SimpleSpanProcessor(EXPORTER))


def _echo_service(server: grpc.aio.Server) -> None:
    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return request

    handlers = {name: grpc.unary_unary_rpc_method_handler(echo) for name in ("Traced", "Batch")}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Echo", handlers),))


async def test_untraced_methods_get_no_server_span_and_the_others_do() -> None:
    original = trace._TRACER_PROVIDER
    trace._TRACER_PROVIDER = PROVIDER
    try:
        server = GrpcServer(["test.Echo"], [_echo_service], untraced_methods=("Batch",))
        port = await server.start("127.0.0.1:0")
        channel = open_channel(f"127.0.0.1:{port}")
        for method in ("Traced", "Batch", "Traced"):
            call = channel.unary_unary(f"/test.Echo/{method}")
            assert await call(b"hi", timeout=10) == b"hi"
        await channel.close()
        await server.stop(0)
    finally:
        trace._TRACER_PROVIDER = original
    names = [span.name for span in EXPORTER.get_finished_spans() if span.kind == trace.SpanKind.SERVER]
    assert names.count("/test.Echo/Traced") == 2
    assert not any("Batch" in name for name in names)
