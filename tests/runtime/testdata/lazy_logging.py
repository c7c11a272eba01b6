"""Imports `logging` only inside the handler, at the first invoke."""


def handler(event, context):
    import logging

    logging.getLogger("lazy").warning("lazy %s", event["tag"])
    return "ok"
