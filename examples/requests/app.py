"""An HTTP client in a function: requests, with one session kept across invokes.

`BASE_URL` names the service it calls (a local HTTP server in the tests). `{"name": "Ada"}` -> the
service's JSON answer and its plain-text greeting, which carries no charset, so requests guesses the
encoding (charset_normalizer) as it would for many real services.
"""

import os

import requests

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
session = requests.Session()


def handler(event, context):
    """Ask the service for `event["name"]`'s profile and greeting."""
    name = event.get("name", "world")
    profile = session.get(f"{BASE_URL}/profile", params={"name": name}, timeout=5)
    profile.raise_for_status()
    greeting = session.post(f"{BASE_URL}/greeting", json={"name": name}, timeout=5)
    greeting.raise_for_status()
    return {
        "profile": profile.json(),
        "greeting": greeting.text,
        "encoding": greeting.apparent_encoding,
        "content_type": greeting.headers["Content-Type"],
    }
