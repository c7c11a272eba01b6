"""The `asgi` workload: a FastAPI app behind Mangum, answering a Lambda Function URL event.

As `examples/asgi`: the cold start imports FastAPI, Starlette, pydantic and Mangum and builds the app's
routes and models; the event (`GET /items/7?q=tea`) goes through Mangum into the app and back as the
proxy response Lambda expects.
"""

from fastapi import FastAPI, HTTPException
from mangum import Mangum
from pydantic import BaseModel, Field

api = FastAPI(title="items")
ITEMS = {7: "tea", 8: "scones"}


class Item(BaseModel):
    """A new item: a name and a positive price."""

    name: str = Field(min_length=1)
    price: float = Field(gt=0)


@api.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None) -> dict:
    """One item by id; `q` is echoed back."""
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail=f"no item {item_id}")
    return {"item_id": item_id, "name": ITEMS[item_id], "q": q}


@api.post("/items", status_code=201)
def create_item(item: Item) -> dict:
    """A new item, priced with tax."""
    return {"name": item.name, "price_with_tax": round(item.price * 1.2, 2)}


handler = Mangum(api, lifespan="off")
