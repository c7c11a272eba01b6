"""botocore's data loader in a native bootstrap: a source change for `botocore.loaders`.

Creating a boto3 client or resource reads botocore's JSON data (the service's model and endpoint rules,
the ~1.2 MB `endpoints.json`, ...). `JSONFileLoader` parses it with
`json.loads(payload, object_pairs_hook=OrderedDict)`, the json module's slow path (a Python call per
object): ~18 ms of a cold start that makes S3, SQS and DynamoDB clients. The changed loader parses with
orjson (shipped with the runtime) and falls back to the json module for what orjson refuses (NaN,
integers beyond 64 bits...), which then answers or fails as before. The objects are `dict`, not
`OrderedDict`: same keys, values and order (both keep insertion order), equal to what botocore made; only
`type()`, `repr()` and an order-sensitive `==` between two OrderedDicts tell them apart.

The change is made only when the installed botocore still has the text it replaces (`notes` says what is
lost otherwise).
"""

from __future__ import annotations

import json
import os

LOADERS = os.path.join("botocore", "loaders.py")

JSON_PARSE = "        return json.loads(payload, object_pairs_hook=OrderedDict)\n"

APPENDED = """
# lambda-native: JSON models parsed by orjson (lambda_native/builder/botocore_loader.py).
from orjson import loads as _lambda_native_orjson_loads


def _lambda_native_loads(payload):
    try:
        return _lambda_native_orjson_loads(payload)
    except ValueError:
        return json.loads(payload, object_pairs_hook=OrderedDict)
"""


def _find(relative: str, python_path: list[str]) -> str | None:
    """`relative` in the first folder of `python_path` that holds it."""
    for folder in python_path:
        path = os.path.join(folder, relative)
        if os.path.exists(path):
            return path
    return None


def _source(python_path: list[str]) -> tuple[str | None, str]:
    """The path and text of the installed botocore.loaders ('' when botocore is not installed)."""
    path = _find(LOADERS, python_path)
    if path is None:
        return None, ""
    with open(path, encoding="utf-8") as file:
        return path, file.read()


def config(python_path: list[str]) -> str:
    """The package-configuration entry changing botocore.loaders as installed on `python_path` ('' when
    botocore is not there or its loader no longer has the text the change replaces)."""
    _, text = _source(python_path)
    replacements = {}
    if JSON_PARSE in text:
        replacements[JSON_PARSE] = "        return _lambda_native_loads(payload)\n"
    if not replacements:
        return ""
    pairs = ", ".join(f"{json.dumps(old)}: {json.dumps(new)}" for old, new in replacements.items())
    return (
        "- module-name: 'botocore.loaders'\n"
        "  anti-bloat:\n"
        "    - description: 'lambda-native: models parsed by orjson'\n"
        f"      replacements_plain: {{{pairs}}}\n"
        f"      append_plain: {json.dumps(APPENDED)}\n"
    )


def notes(python_path: list[str]) -> list[str]:
    """A note for each change the installed botocore.loaders no longer has the text for."""
    path, text = _source(python_path)
    if path is None:
        return []
    lost = []
    if JSON_PARSE not in text:
        lost.append("its JSON models are parsed by the json module (~18 ms of a cold start)")
    return [f"note: {path} changed, so botocore.loaders is not changed by lambda-native: {x}" for x in lost]
