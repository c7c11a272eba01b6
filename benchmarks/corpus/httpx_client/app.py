"""httpx with a Client made at init: a JSON POST to the service at SERVICE_URL, its answer returned."""

import os

import httpx

client = httpx.Client(base_url=os.environ["SERVICE_URL"], headers={"user-agent": "corpus/httpx"}, timeout=5)


def handler(event, context):
    response = client.post("/echo", json=event)
    response.raise_for_status()
    return {"status": response.status_code, "echo": response.json(), "agent": response.headers["x-agent"]}
