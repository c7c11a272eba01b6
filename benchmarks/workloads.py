"""The workloads: a handler folder under `benchmarks/handlers/` and the event each invoke sends."""

from __future__ import annotations

from pathlib import Path

import orjson

HANDLERS_DIR = Path(__file__).resolve().parent / "handlers"

# Size the `json` workload's event aims at.
JSON_EVENT_BYTES = 1_000_000


class Workload:
    """A function to measure: its source folder, its handler string and its event."""

    __slots__ = ("description", "name")

    def __init__(self, name: str, description: str) -> None:
        self.name = name
        self.description = description

    @property
    def source_dir(self) -> Path:
        """The function's folder (`app.py`, and `requirements.txt` when it has dependencies)."""
        return HANDLERS_DIR / self.name

    @property
    def handler(self) -> str:
        """The Lambda handler string; every workload exposes `app.handler`."""
        return "app.handler"

    @property
    def requirements(self) -> Path | None:
        """The `requirements.txt` to install beside the handler, if the workload has one."""
        path = self.source_dir / "requirements.txt"
        return path if path.exists() else None

    def event(self) -> bytes:
        """The event every invoke of this workload sends (the same bytes each time)."""
        return EVENTS[self.name]()

    def check(self, response: bytes) -> None:
        """ValueError unless `response` is what the handler returns for `event()`.

        A variant that answered with an error would otherwise be measured, and flattered, as a success.
        """
        try:
            answer = orjson.loads(response)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"{self.name}: response is not JSON: {response[:200]!r}") from exc
        if not CHECKS[self.name](answer):
            raise ValueError(f"{self.name}: unexpected response {response[:200]!r}")


def hello_event() -> bytes:
    """A tiny event."""
    return b'{"name": "bench"}'


def json_event(target_bytes: int = JSON_EVENT_BYTES) -> bytes:
    """A deterministic event of about `target_bytes`: records of mixed types, as an API batch carries."""
    records = []
    size = 0
    i = 0
    while size < target_bytes:
        record = {
            "id": i,
            "sku": f"sku-{i:08d}",
            "name": f"Item number {i} with a longer descriptive name",
            "price": round(i * 0.37 % 1000, 2),
            "in_stock": i % 3 != 0,
            "tags": ["alpha", "beta", "gamma"][: i % 4],
            "dimensions": {"w": i % 50, "h": i % 70, "d": i % 90, "unit": "cm"},
            "note": None if i % 5 else "fragile",
        }
        records.append(record)
        size += len(orjson.dumps(record)) + 1
        i += 1
    return orjson.dumps({"batch": "bench", "records": records})


def imports_event() -> bytes:
    """An order for the pydantic handler."""
    return orjson.dumps(
        {
            "order_id": "ord-20261126-0001",
            "created": "2026-11-26T10:00:00Z",
            "customer": "buyer@example.com",
            "currency": "EUR",
            "ship_to": {"line1": "1 Main Street", "city": "Dublin", "postcode": "D01 F5P2", "country": "IE"},
            "items": [
                {"sku": "book-123", "quantity": 2, "unit_price": "12.50"},
                {"sku": "pen-9", "quantity": 10, "unit_price": "0.99"},
            ],
        }
    )


def json_answer_ok(answer: object) -> bool:
    """The `json` handler returns the event with `count` = its number of records."""
    return isinstance(answer, dict) and answer.get("count") == len(answer.get("records", ())) > 1000


CHECKS = {
    "hello": lambda answer: answer == {"message": "hello, bench"},
    "json": json_answer_ok,
    "imports": lambda answer: (
        answer == {"order_id": "ord-20261126-0001", "total": "34.90", "currency": "EUR"}
    ),
}

EVENTS = {"hello": hello_event, "json": json_event, "imports": imports_event}

WORKLOADS = {
    "hello": Workload("hello", "returns a small dict"),
    "json": Workload("json", "parses and returns a ~1 MB event"),
    "imports": Workload("imports", "validates an order with pydantic 2 models (import-heavy)"),
}
