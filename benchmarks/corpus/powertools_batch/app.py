"""Powertools for AWS Lambda: Logger, the SQS BatchProcessor with partial failures, and Validation."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.validation import SchemaValidationError, validate

logger = Logger(service="orders")
processor = BatchProcessor(event_type=EventType.SQS)
ORDER = {
    "type": "object",
    "required": ["id", "quantity"],
    "properties": {"id": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
}


def record_handler(record):
    order = record.json_body
    try:
        validate(event=order, schema=ORDER)
    except SchemaValidationError:
        logger.warning("rejected", extra={"message_id": record.message_id})
        raise
    logger.info("accepted", extra={"order": order["id"]})


def handler(event, context):
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
