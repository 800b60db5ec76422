"""OpenTelemetry tracer provider set-up and W3C trace-context helpers."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

from sellerbot_telemetry.settings import TraceExporter

_configured: TracerProvider | None = None


def configure_tracing(
    service_name: str,
    exporter: TraceExporter = TraceExporter.NONE,
    otlp_endpoint: str = "http://127.0.0.1:4317",
    extra_processors: list[SpanProcessor] | None = None,
) -> TracerProvider:
    """Install the process-wide tracer provider once; later calls only add processors."""
    global _configured
    provider = _configured
    if provider is None:
        # Without an exporter nobody reads spans, so only record traces a caller asked for (a sampled
        # traceparent); the rest get cheap non-recording spans that still carry ids into logs and headers.
        sampler = ALWAYS_ON if exporter is not TraceExporter.NONE else ParentBased(ALWAYS_OFF)
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}), sampler=sampler)
        if exporter is TraceExporter.CONSOLE:
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        elif exporter is TraceExporter.OTLP:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        trace.set_tracer_provider(provider)
        _configured = provider
    for processor in extra_processors or []:
        provider.add_span_processor(processor)
    return provider


def current_trace_id() -> str | None:
    """Hex trace id of the active span, or None outside a trace."""
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None
