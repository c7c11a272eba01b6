"""Powertools for AWS Lambda: structured logs, metrics, an HTTP API, input parsing and SQS batches.

- `handler` (API Gateway HTTP API, payload v2): `GET /orders/{order_id}` and `POST /orders`, whose body is
  parsed into `Order` with pydantic; a bad body gets a 422 naming what is wrong. Each request logs JSON
  lines carrying the Lambda context and records a metric (CloudWatch EMF).
- `batch_handler` (SQS): each record's body is an order; a record that fails is reported in
  `batchItemFailures`, so SQS retries that one and not the whole batch.
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser import BaseModel, Field, ValidationError, parse

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")
resolver = APIGatewayHttpResolver()
processor = BatchProcessor(event_type=EventType.SQS)


class Order(BaseModel):
    """An order: what and how many."""

    item: str = Field(min_length=1)
    quantity: int = Field(gt=0)


@resolver.get("/orders/<order_id>")
def get_order(order_id: str) -> dict:
    logger.info("order looked up", extra={"order_id": order_id})
    metrics.add_metric(name="OrdersLookedUp", unit=MetricUnit.Count, value=1)
    return {"order_id": order_id, "status": "shipped"}


@resolver.post("/orders")
def create_order() -> Response:
    order = parse(event=resolver.current_event.json_body, model=Order)
    metrics.add_metric(name="OrdersCreated", unit=MetricUnit.Count, value=order.quantity)
    logger.info("order created", extra={"item": order.item})
    return Response(status_code=201, content_type="application/json", body=order.model_dump())


@resolver.exception_handler(ValidationError)
def invalid_order(error: ValidationError) -> Response:
    problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_url=False)]
    logger.warning("invalid order", extra={"problems": problems})
    metrics.add_metric(name="InvalidOrders", unit=MetricUnit.Count, value=1)
    return Response(status_code=422, content_type="application/json", body={"problems": problems})


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    return resolver.resolve(event, context)


def process_record(record) -> None:
    order = parse(event=record.json_body, model=Order)
    logger.info("order processed", extra={"message_id": record.message_id, "item": order.item})


@logger.inject_lambda_context
def batch_handler(event, context):
    return process_partial_response(
        event=event, record_handler=process_record, processor=processor, context=context
    )
