"""The `powertools` workload: Powertools for AWS Lambda's Logger, Metrics, an HTTP API resolver and parser.

As `examples/powertools` (its HTTP API part): the cold start imports Powertools and pydantic and builds
the resolver's routes and the parser's model; the event (`POST /orders`) is parsed into `Order`, logged
as JSON with the Lambda context, and counted as a CloudWatch EMF metric.
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import BaseModel, Field, ValidationError, parse

logger = Logger(service="orders")
metrics = Metrics(namespace="Shop", service="orders")
resolver = APIGatewayHttpResolver()


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
    return Response(status_code=422, content_type="application/json", body={"problems": problems})


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    return resolver.resolve(event, context)
