"""pydantic 2 models validating an order: nested models, constrained fields, a computed total."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field, ValidationError, computed_field


class Line(BaseModel):
    sku: str = Field(pattern=r"^[A-Z]{3}-\d+$")
    quantity: int = Field(gt=0)
    price: Decimal = Field(gt=0, decimal_places=2)


class Order(BaseModel):
    id: str
    placed: date
    lines: list[Line]

    @computed_field
    @property
    def total(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal("0"))


def handler(event, context):
    try:
        order = Order.model_validate(event)
    except ValidationError as exc:
        return {"valid": False, "errors": [error["loc"][-1] for error in exc.errors()]}
    return {"valid": True, "order": order.model_dump(mode="json")}
