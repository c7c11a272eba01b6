"""OpenTelemetry's SDK: a tracer provider with an in-memory exporter, nested spans with attributes."""

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": "orders"}))
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer("corpus")


def handler(event, context):
    exporter.clear()
    with tracer.start_as_current_span("handle") as outer:
        outer.set_attribute("order.id", event["order"])
        for step in event["steps"]:
            with tracer.start_as_current_span(step):
                pass
    spans = exporter.get_finished_spans()
    return {
        "spans": [span.name for span in spans],
        "service": spans[-1].resource.attributes["service.name"],
        "same_trace": len({span.context.trace_id for span in spans}) == 1,
    }
