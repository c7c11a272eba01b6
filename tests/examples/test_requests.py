"""examples/requests: requests calling a local HTTP server on 127.0.0.1, the same answers from every
runtime (host name encoding, JSON, and guessing the charset of a reply that names none)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import RUNTIMES, event, example_function

EXAMPLE = "requests"


class Service(BaseHTTPRequestHandler):
    """`GET /profile?name=N` -> JSON; `POST /greeting` {"name": N} -> UTF-8 text of a type with no charset."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/profile":
            self.send_error(404)
            return
        name = parse_qs(url.query)["name"][0]
        self.reply("application/json", json.dumps({"name": name, "agent": self.headers["User-Agent"][:9]}))

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.reply("application/x-greeting", f"Grüße, {body['name']}! Schön, dass du da bist.")

    def reply(self, content_type: str, text: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_function_calls_the_service(runtime, service):
    with example_function(runtime, EXAMPLE, env={"BASE_URL": service}) as fn:
        result = fn.invoke(event(EXAMPLE))
    assert result.ok, result.payload
    assert result.json() == {
        "profile": {"name": "Ada", "agent": "python-re"},
        "greeting": "Grüße, Ada! Schön, dass du da bist.",
        "encoding": "utf-8",
        "content_type": "application/x-greeting",
    }
    assert result.logs == []


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_an_unreachable_service_is_a_connection_error(runtime, service):
    closed = service.rsplit(":", 1)[0] + ":9"  # the discard port: nothing listens there
    with example_function(runtime, EXAMPLE, env={"BASE_URL": closed}) as fn:
        result = fn.invoke(event(EXAMPLE))
    assert result.error_type == "ConnectionError"
    assert "Connection refused" in result.json()["errorMessage"]
