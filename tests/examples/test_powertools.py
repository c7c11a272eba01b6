"""examples/powertools: Logger, Metrics, an HTTP API resolver, the parser and SQS batch processing, with
the same responses and log lines from every runtime."""

from __future__ import annotations

import orjson
import pytest

from .conftest import EXAMPLES, RUNTIMES, event, example_function

EXAMPLE = "powertools"


def location(function: str, call: str) -> str:
    """Logger's `location` of the line of app.py that makes `call`: `function:line`."""
    lines = (EXAMPLES / EXAMPLE / "app.py").read_text(encoding="utf-8").splitlines()
    return f"{function}:{next(number for number, line in enumerate(lines, 1) if call in line)}"


def log_lines(result) -> list[dict]:
    """The invoke's JSON log lines, with what differs between invokes (the time, the trace) checked and
    taken out, and the request id checked against the invoke's."""
    lines = []
    for line in result.logs:
        document = orjson.loads(line)
        if "_aws" in document:
            assert isinstance(document["_aws"].pop("Timestamp"), int)
        else:
            assert document.pop("timestamp")[:2] == "20"
            assert document.pop("xray_trace_id").startswith("1-")
            assert document.pop("function_request_id") == result.request_id
        lines.append(document)
    return lines


def context_fields(level: str, location: str, message: str) -> dict:
    """What Logger writes on every line, the Lambda context injected."""
    return {
        "level": level,
        "location": location,
        "message": message,
        "service": "orders",
        "cold_start": True,
        "function_name": "test_function",
        "function_memory_size": "128",
        "function_arn": "arn:aws:lambda:us-east-1:012345678912:function:test_function",
    }


def metric_line(name: str, value: float) -> dict:
    """One CloudWatch embedded-metric-format document (its timestamp taken out)."""
    return {
        "_aws": {
            "CloudWatchMetrics": [
                {
                    "Namespace": "Shop",
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": name, "Unit": "Count"}],
                }
            ]
        },
        "service": "orders",
        name: [value],
    }


def http_response(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "body": orjson.dumps(body).decode(),
        "isBase64Encoded": False,
        "headers": {"Content-Type": "application/json"},
        "cookies": [],
    }


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_route_answers_and_logs_with_the_lambda_context(runtime):
    with example_function(runtime, EXAMPLE) as fn:
        result = fn.invoke(event(EXAMPLE, "events/get-order.json"))
    assert result.ok, result.payload
    assert result.json() == http_response(200, {"order_id": "42", "status": "shipped"})
    assert log_lines(result) == [
        {
            **context_fields("INFO", location("get_order", "logger.info("), "order looked up"),
            "order_id": "42",
        },
        metric_line("OrdersLookedUp", 1.0),
    ]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_parsed_body_creates_an_order_and_a_metric(runtime):
    with example_function(runtime, EXAMPLE) as fn:
        result = fn.invoke(event(EXAMPLE, "events/create-order.json"))
    assert result.ok, result.payload
    assert result.json() == http_response(201, {"item": "tea", "quantity": 2})
    assert log_lines(result) == [
        {
            **context_fields("INFO", location("create_order", '"order created"'), "order created"),
            "item": "tea",
        },
        metric_line("OrdersCreated", 2.0),
    ]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_bad_body_is_a_422_naming_each_problem(runtime):
    problems = ["item: String should have at least 1 character", "quantity: Input should be greater than 0"]
    with example_function(runtime, EXAMPLE) as fn:
        result = fn.invoke(event(EXAMPLE, "events/create-order-invalid.json"))
    assert result.ok, result.payload
    assert result.json() == http_response(422, {"problems": problems})
    assert log_lines(result) == [
        {
            **context_fields("WARNING", location("invalid_order", "logger.warning("), "invalid order"),
            "problems": problems,
        },
        metric_line("InvalidOrders", 1.0),
    ]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_sqs_batch_reports_the_failing_record_only(runtime):
    with example_function(runtime, EXAMPLE, handler="app.batch_handler") as fn:
        result = fn.invoke(event(EXAMPLE, "events/sqs-batch.json"))
        warm = fn.invoke(event(EXAMPLE, "events/sqs-batch.json"))
    assert result.ok, result.payload
    assert result.json() == {
        "batchItemFailures": [{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}]
    }
    processed = context_fields("INFO", location("process_record", '"order processed"'), "order processed")
    assert log_lines(result) == [
        {**processed, "message_id": "059f36b4-87a3-44ab-83d2-661975830a7d", "item": "tea"},
        {**processed, "message_id": "9b5d8e1c-3f0a-4b7e-a3c2-1d4e5f6a7b8c", "item": "jam"},
    ]
    assert warm.json() == result.json()
    assert [line["cold_start"] for line in log_lines(warm)] == [False, False]
