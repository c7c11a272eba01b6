"""PyYAML reading a config file shipped beside the function at init, and dumping a derived document."""

import os

import yaml

ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "config.yaml"), encoding="utf-8") as file:
    CONFIG = yaml.safe_load(file)


def handler(event, context):
    region = event["region"]
    allowed = region in CONFIG["limits"]["regions"]
    answer = {"service": CONFIG["service"], "region": region, "allowed": allowed, "eu": CONFIG["eu"]}
    return {"config": answer, "yaml": yaml.safe_dump(answer, sort_keys=True)}
