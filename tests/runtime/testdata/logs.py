"""A handler that logs through the standard `logging` module, `print` and `context.log`."""

import logging

logger = logging.getLogger("app")


def handler(event, context):
    tag = event.get("tag", "")
    logger.debug("debug %s", tag)
    logger.info("info %s", tag)
    logger.warning("warning %s", tag)
    logger.error("error %s", tag)
    logger.critical("critical %s", tag)
    return "logged"


def warning(event, context):
    logging.getLogger().warning(event["message"])
    return "ok"


def with_extra(event, context):
    logger.warning("with extra", extra={"order_id": 42, "customer": "ann"})
    return "ok"


def with_exception(event, context):
    try:
        raise ValueError("logged failure")
    except ValueError:
        logger.exception("caught it")
    return "ok"


def printing(event, context):
    print("printed", event["tag"])
    return "ok"


def context_log(event, context):
    context.log(event["message"])
    return "ok"


def fail(event, context):
    raise KeyError("k")
