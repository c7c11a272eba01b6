"""boto3 clients and a resource created at init, as most functions do, and real calls in the handler.

S3 and SQS through clients, DynamoDB through the resource API (whose customisations boto3 imports by
dotted name when the resource is created). The bucket, table and queue are named by environment
variables; `AWS_ENDPOINT_URL` points boto3 at a stand-in instead of AWS (moto's server mode in the tests:
`python -m moto.server -H 127.0.0.1 -p 5000`, then `lambda-native invoke dist/function.zip --env
AWS_ENDPOINT_URL=http://127.0.0.1:5000 --event event.json` once the bucket, table and queue exist).

`{"order_id": "o-1", "total": "12.50", "items": ["tea"]}` -> the object stored in S3 as read back, the
item as DynamoDB returns it, and the message as SQS delivers it.
"""

import json
import os
from decimal import Decimal

import boto3

BUCKET = os.environ.get("BUCKET_NAME", "orders")
QUEUE = os.environ.get("QUEUE_NAME", "orders")

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
table = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "orders"))


def handler(event, context):
    """Store the order in S3 and DynamoDB, queue its id on SQS, and return what each service gives back."""
    order_id = event["order_id"]
    key = f"orders/{order_id}.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(event).encode(), ContentType="application/json")
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    table.put_item(Item={"id": order_id, "total": Decimal(event["total"]), "items": event["items"]})
    item = table.get_item(Key={"id": order_id}, ConsistentRead=True)["Item"]

    queue_url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=order_id)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1)["Messages"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])

    return {
        "stored": stored,
        "item": {"id": item["id"], "total": str(item["total"]), "items": item["items"]},
        "queued": [message["Body"] for message in messages],
    }
