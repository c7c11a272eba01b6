"""The workloads: a handler folder under `benchmarks/handlers/` and the event each invoke sends."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import orjson

HANDLERS_DIR = Path(__file__).resolve().parent / "handlers"
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"

# Size the `json` workload's event aims at.
JSON_EVENT_BYTES = 1_000_000


class Workload:
    """A function to measure: its source folder, its requirements, its handler string and its event.

    A workload's folder is `benchmarks/handlers/<name>/`, holding `requirements.txt` (every requirement
    pinned) when it has dependencies. One that measures an example (`source`, e.g. `examples/asgi`) runs
    the example's code, with the requirements pinned in its `benchmarks/handlers/<name>/` folder.
    """

    __slots__ = ("description", "env", "name", "source")

    def __init__(
        self, name: str, description: str, env: dict[str, str] | None = None, source: Path | None = None
    ) -> None:
        self.name = name
        self.description = description
        self.env = env or {}
        self.source = source

    @property
    def source_dir(self) -> Path:
        """The function's code: `app.py`, and whatever it ships beside it (never its requirements.txt)."""
        return self.source or HANDLERS_DIR / self.name

    @property
    def handler(self) -> str:
        """The Lambda handler string; every workload exposes `app.handler`."""
        return "app.handler"

    @property
    def requirements(self) -> Path | None:
        """The pinned `requirements.txt` to install beside the handler, if the workload has one."""
        path = HANDLERS_DIR / self.name / "requirements.txt"
        return path if path.exists() else None

    @property
    def inputs(self) -> tuple[Path, ...]:
        """What decides the function's code and dependencies, for the caches' keys."""
        return (self.source_dir,) if self.requirements is None else (self.source_dir, self.requirements)

    @property
    def services(self) -> set[str]:
        """The servers on 127.0.0.1 the function calls (names from `benchmarks.services.SERVICES`)."""
        return set()

    def bind(self, urls: Mapping[str, str]) -> None:
        """Point the function's environment at the started servers (`services` name each one's URL)."""

    def event(self) -> bytes:
        """The event every invoke of this workload sends (the same bytes each time)."""
        return EVENTS[self.name]()

    def answer_ok(self, answer: object) -> bool:
        """Whether `answer` (the decoded response) is what the handler returns for `event()`."""
        return CHECKS[self.name](answer)

    def check(self, response: bytes) -> None:
        """ValueError unless `response` is what the handler returns for `event()`.

        A variant that answered with an error would otherwise be measured, and flattered, as a success.
        """
        try:
            answer = orjson.loads(response)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"{self.name}: response is not JSON: {response[:200]!r}") from exc
        if not self.answer_ok(answer):
            raise ValueError(f"{self.name}: unexpected response {response[:200]!r}")


def hello_event() -> bytes:
    """A tiny event."""
    return b'{"name": "bench"}'


def json_event(target_bytes: int = JSON_EVENT_BYTES) -> bytes:
    """A deterministic SQS batch of about `target_bytes`, the shape of a real ~1 MB Lambda event.

    Each record carries its message body as a JSON string (an order of ~700 bytes) beside SQS's own
    attributes, as an SQS trigger delivers it.
    """
    records = []
    size = 0
    i = 0
    while size < target_bytes:
        body = {
            "order_id": f"ord-{i:08d}",
            "customer": f"customer-{i % 997:04d}@example.com",
            "items": [
                {"sku": f"sku-{(i * 7 + k) % 10007:05d}", "quantity": 1 + (i + k) % 5, "unit_price": "12.50"}
                for k in range(6)
            ],
            "note": "leave at the door" if i % 3 else "",
        }
        record = {
            "messageId": f"{i:08x}-0000-4000-8000-{i * 2654435761 % 2**48:012x}",
            "receiptHandle": f"AQEB{i:016x}" * 4,
            "body": orjson.dumps(body).decode(),
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": str(1_764_150_000_000 + i),
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": str(1_764_150_000_100 + i),
            },
            "messageAttributes": {},
            "md5OfBody": f"{i * 40503 % 2**128:032x}",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench-queue",
            "awsRegion": "us-east-1",
        }
        records.append(record)
        size += len(orjson.dumps(record)) + 1
        i += 1
    return orjson.dumps({"Records": records})


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


def boto3_event() -> bytes:
    """The order whose S3 object the `boto3` handler presigns a URL for."""
    return b'{"order_id": "ord-20261126-0001"}'


def http_api_event(method: str, path: str, query: str = "", body: str | None = None) -> bytes:
    """An API Gateway HTTP API (payload 2.0) event, the shape a Function URL also delivers."""
    return orjson.dumps(
        {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": {
                "accept": "application/json",
                "content-type": "application/json",
                "host": "a1b2c3d4e5.lambda-url.us-east-1.on.aws",
                "user-agent": "curl/8.5.0",
                "x-forwarded-proto": "https",
            },
            **({"queryStringParameters": dict(p.split("=", 1) for p in query.split("&"))} if query else {}),
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "a1b2c3d4e5",
                "domainName": "a1b2c3d4e5.lambda-url.us-east-1.on.aws",
                "domainPrefix": "a1b2c3d4e5",
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.7",
                    "userAgent": "curl/8.5.0",
                },
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                "routeKey": "$default",
                "stage": "$default",
                "time": "26/Nov/2026:10:00:00 +0000",
                "timeEpoch": 1795687200000,
            },
            **({"body": body} if body is not None else {}),
            "isBase64Encoded": False,
        }
    )


def proxy_answer(status: int, body: object) -> callable:
    """A check for an HTTP proxy response: this status code and this JSON body."""

    def ok(answer: object) -> bool:
        if not isinstance(answer, dict) or answer.get("statusCode") != status:
            return False
        try:
            return orjson.loads(answer.get("body", "")) == body
        except orjson.JSONDecodeError:
            return False

    return ok


def boto3_answer_ok(answer: object) -> bool:
    """The `boto3` handler returns a signed URL for the order's object and the clients' settings."""
    return (
        isinstance(answer, dict)
        and str(answer.get("url")).startswith("https://")
        and str(answer.get("url")).endswith("/orders/ord-20261126-0001.json")
        and answer.get("signed") is True
        and answer.get("region") == "us-east-1"
        and answer.get("table") == "orders"
    )


def json_answer_ok(answer: object) -> bool:
    """The `json` handler returns the event with `count` = its number of records."""
    return isinstance(answer, dict) and answer.get("count") == len(answer.get("Records", ())) > 500


CHECKS = {
    "hello": lambda answer: answer == {"message": "hello, bench"},
    "json": json_answer_ok,
    "imports": lambda answer: (
        answer == {"order_id": "ord-20261126-0001", "total": "34.90", "currency": "EUR"}
    ),
    "powertools": proxy_answer(201, {"item": "tea", "quantity": 2}),
    "boto3": boto3_answer_ok,
    "asgi": proxy_answer(200, {"item_id": 7, "name": "tea", "q": "tea"}),
}

EVENTS = {
    "hello": hello_event,
    "json": json_event,
    "imports": imports_event,
    "powertools": lambda: http_api_event("POST", "/orders", body='{"item": "tea", "quantity": 2}'),
    "boto3": boto3_event,
    "asgi": lambda: http_api_event("GET", "/items/7", query="q=tea"),
}

# The emulator gives the function credentials as Lambda does (the caller's, else plainly fake ones), and
# botocore resolves them as it creates a client; this makes sure nothing ever asks the instance metadata
# service, an address off this machine.
NO_METADATA_SERVICE = {"AWS_EC2_METADATA_DISABLED": "true"}

WORKLOADS = {
    "hello": Workload("hello", "returns a small dict"),
    "json": Workload("json", "parses and returns a ~1 MB event"),
    "imports": Workload("imports", "validates an order with pydantic 2 models (import-heavy)"),
    "powertools": Workload(
        "powertools",
        "examples/powertools: Powertools Logger, Metrics, HTTP API resolver, pydantic parser, SQS batches; "
        "POST /orders",
        source=EXAMPLES_DIR / "powertools",
    ),
    "boto3": Workload(
        "boto3",
        "boto3 S3 and SQS clients and a DynamoDB resource created at init; presigns a URL",
        env=NO_METADATA_SERVICE,
    ),
    "asgi": Workload(
        "asgi",
        "examples/asgi: FastAPI behind Mangum answering a Function URL event, GET /items/7",
        source=EXAMPLES_DIR / "asgi",
    ),
}
