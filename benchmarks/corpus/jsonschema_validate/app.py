"""jsonschema validating events against a Draft 2020-12 schema shipped beside the function."""

import json
import os

from jsonschema import Draft202012Validator

ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "schema.json"), encoding="utf-8") as file:
    VALIDATOR = Draft202012Validator(json.load(file), format_checker=Draft202012Validator.FORMAT_CHECKER)


def handler(event, context):
    errors = sorted(VALIDATOR.iter_errors(event), key=lambda error: list(error.path))
    return {"valid": not errors, "errors": [f"{'/'.join(map(str, e.path))}: {e.validator}" for e in errors]}
