"""The `imports` workload: an order-validation function built on pydantic 2, as many real functions are.

Its cost is the import of pydantic (and pydantic-core, typing-extensions, annotated-types) and the
model classes it builds at import time, which is where real functions spend their cold start.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator


class Address(BaseModel):
    """Where the order ships."""

    line1: str
    city: str
    postcode: str = Field(min_length=3, max_length=10)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class LineItem(BaseModel):
    """One product in the order."""

    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0, decimal_places=2)


class Order(BaseModel):
    """The event: an order placed through an API."""

    order_id: str
    created: datetime
    customer: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    currency: Literal["EUR", "GBP", "USD"]
    ship_to: Address
    items: list[LineItem] = Field(min_length=1)

    @field_validator("order_id")
    @classmethod
    def order_id_has_prefix(cls, value: str) -> str:
        """Order ids are issued as `ord-...`."""
        if not value.startswith("ord-"):
            raise ValueError("order_id must start with 'ord-'")
        return value

    def total(self) -> Decimal:
        """The order's value."""
        return sum((item.unit_price * item.quantity for item in self.items), Decimal(0))


def handler(event, context):
    """Validate the order and answer with its total."""
    order = Order.model_validate(event)
    return {"order_id": order.order_id, "total": str(order.total()), "currency": order.currency}
