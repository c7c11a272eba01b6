"""One handler that logs in the way the event asks: `logging` at each level, `print`, `context.log`."""

import datetime
import logging
import os
import sys

logger = logging.getLogger("app")


def handler(event, context):
    do, tag = event["do"], event.get("tag", "")
    if do == "levels":
        logger.debug("debug %s", tag)
        logger.info("info %s", tag)
        logger.warning("warning %s", tag)
        logger.error("error %s", tag)
        logger.critical("critical %s", tag)
    elif do == "root_warning":
        logging.getLogger().warning(tag)
    elif do == "extra":
        logger.warning("with extra %s", tag, extra={"order_id": 42, "customer": "ann"})
    elif do == "exception":
        try:
            raise ValueError("logged failure")  # marker: logged-raise
        except ValueError:
            logger.exception("caught it %s", tag)  # marker: logged-exception
    elif do == "dict_message":
        logger.warning({"event": "dict message", "tag": tag})
    elif do == "odd_extra":
        logger.warning("odd extra %s", tag, extra={"when": datetime.date(2026, 1, 2)})
    elif do == "print":
        print("printed", tag)
        print("to stderr", tag, file=sys.stderr)
    elif do == "context_log":
        context.log(tag)
    elif do == "multiline":
        logger.warning("first %s\nsecond line", tag)
    elif do == "env":
        return os.environ.get(tag)
    elif do == "fail":
        raise KeyError(tag)  # marker: logs-fail
    return "ok"
