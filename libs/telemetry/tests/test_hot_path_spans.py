"""span_unless_unsampled: real spans for sampled traces and roots, the parent's context for unsampled ones."""

from __future__ import annotations

import uuid

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from sellerbot_telemetry import configure_tracing, span_unless_unsampled

tracer = trace.get_tracer("test.hot_path")


def parent(sampled: bool) -> tuple[str, Context]:
    trace_id = uuid.uuid4().int >> 64 << 64 | 1
    context = SpanContext(trace_id, 0x1234, is_remote=True,
                          trace_flags=TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT))
    return format(trace_id, "032x"), trace.set_span_in_context(NonRecordingSpan(context))


def recorded() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing("hot-path-test", extra_processors=[SimpleSpanProcessor(exporter)])
    return exporter


def test_a_sampled_parent_gets_a_recorded_child_span() -> None:
    exporter = recorded()
    trace_id, context = parent(sampled=True)
    with span_unless_unsampled(tracer, "publish x", context=context, kind=trace.SpanKind.PRODUCER) as span:
        assert span.is_recording()
    finished = [s for s in exporter.get_finished_spans() if s.name == "publish x"]
    assert [format(s.context.trace_id, "032x") for s in finished] == [trace_id]
    assert finished[0].parent is not None and finished[0].parent.span_id == 0x1234


def test_an_unsampled_parent_is_made_current_without_a_new_span() -> None:
    exporter = recorded()
    trace_id, context = parent(sampled=False)
    with span_unless_unsampled(tracer, "process y", context=context):
        current = trace.get_current_span().get_span_context()
        assert format(current.trace_id, "032x") == trace_id  # logs and downstream headers keep the trace
        assert current.span_id == 0x1234
    assert not trace.get_current_span().get_span_context().is_valid  # detached again
    assert not [s for s in exporter.get_finished_spans() if s.name == "process y"]


def test_a_root_still_starts_a_trace_so_logs_can_be_correlated() -> None:
    with span_unless_unsampled(tracer, "POST /seller-bot/webhook/{channel}", kind=trace.SpanKind.SERVER):
        assert trace.get_current_span().get_span_context().is_valid
