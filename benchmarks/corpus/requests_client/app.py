"""requests with a Session made at init: a JSON POST to the service at SERVICE_URL, its answer returned."""

import os

import requests

session = requests.Session()
session.headers["user-agent"] = "corpus/requests"
URL = os.environ["SERVICE_URL"]


def handler(event, context):
    response = session.post(f"{URL}/echo", json=event, timeout=5)
    response.raise_for_status()
    return {"status": response.status_code, "echo": response.json(), "agent": response.headers["x-agent"]}
