"""OpenTelemetry tracer provider set-up and W3C trace-context helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

from sellerbot_telemetry.settings import TraceExporter

_configured: TracerProvider | None = None
_records_every_trace = False  # an exporter is configured: every span is sampled and recorded


def configure_tracing(
    service_name: str,
    exporter: TraceExporter = TraceExporter.NONE,
    otlp_endpoint: str = "http://127.0.0.1:4317",
    extra_processors: list[SpanProcessor] | None = None,
) -> TracerProvider:
    """Install the process-wide tracer provider once; later calls only add processors."""
    global _configured, _records_every_trace
    provider = _configured
    if provider is None:
        # Without an exporter nobody reads spans, so only record traces a caller asked for (a sampled
        # traceparent); the rest get cheap non-recording spans that still carry ids into logs and headers.
        _records_every_trace = exporter is not TraceExporter.NONE
        sampler = ALWAYS_ON if _records_every_trace else ParentBased(ALWAYS_OFF)
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


@contextmanager
def span_unless_unsampled(
    tracer: trace.Tracer, name: str, *, context: Context | None = None, kind: trace.SpanKind = trace.SpanKind.INTERNAL,
) -> Iterator[trace.Span]:
    """`start_as_current_span` for hot paths (every webhook, every event): when the parent is a valid trace that
    is not sampled and no exporter records everything, no span would be recorded, so none is made; the parent
    context becomes current instead, which keeps the trace id in logs and in the headers sent downstream.
    Sampled traces and roots (a new trace id is what correlates the logs) still get a real span."""
    parent = trace.get_current_span(context).get_span_context()
    if _records_every_trace or not parent.is_valid or parent.trace_flags.sampled:
        with tracer.start_as_current_span(name, context=context, kind=kind) as span:
            yield span
        return
    token = otel_context.attach(context) if context is not None else None
    try:
        yield trace.get_current_span()
    finally:
        if token is not None:
            otel_context.detach(token)
