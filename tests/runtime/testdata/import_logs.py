"""Logs while being imported, and calls `basicConfig`, which the Lambda root handler makes a no-op."""

import logging

logging.basicConfig(level=logging.INFO)
logging.getLogger("init").warning("logged at import")


def handler(event, context):
    logging.getLogger("app").info("info %s", event["tag"])
    logging.getLogger("app").warning("warning %s", event["tag"])
    return "ok"
