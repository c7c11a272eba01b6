"""Lowers the root logger's level at import: the function's own choice wins over the default."""

import logging

logging.getLogger().setLevel(logging.INFO)


def handler(event, context):
    logging.getLogger("app").debug("debug %s", event["tag"])
    logging.getLogger("app").info("info %s", event["tag"])
    return "ok"
