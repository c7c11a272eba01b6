"""examples/asgi: FastAPI behind Mangum answering a Function URL event and API Gateway HTTP API (v2)
events, with the same responses from every runtime."""

from __future__ import annotations

import orjson
import pytest

from .conftest import RUNTIMES, event, example_function

EXAMPLE = "asgi"


def http_response(status: int, body: dict) -> dict:
    data = orjson.dumps(body)
    return {
        "statusCode": status,
        "headers": {"content-length": str(len(data)), "content-type": "application/json"},
        "body": data.decode(),
        "isBase64Encoded": False,
    }


CASES = {
    "events/function-url.json": (200, {"item_id": 7, "name": "tea", "q": "tea"}),
    "events/http-api.json": (200, {"item_id": 8, "name": "scones", "q": None}),
    "events/http-api-create.json": (201, {"name": "tea", "price_with_tax": 3.0}),
    "events/http-api-missing.json": (404, {"detail": "no item 9"}),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_function_url_and_http_api_events_get_the_apps_answers(runtime):
    with example_function(runtime, EXAMPLE) as fn:
        for name, (status, body) in CASES.items():
            result = fn.invoke(event(EXAMPLE, name))
            assert result.ok, result.payload
            assert result.json() == http_response(status, body), name
            assert result.logs == []
