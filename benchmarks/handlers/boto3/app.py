"""The `boto3` workload: clients and a resource created at init, as most functions that use AWS do.

Creating them is the cold start: importing boto3 and botocore, loading each service's JSON model and
endpoint rules, building the client classes. The handler signs a request (a presigned S3 URL, local work:
the benchmark never calls AWS, nor any other address) and names what the clients point at.
"""

import os

import boto3

BUCKET = os.environ.get("BUCKET_NAME", "orders")

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
table = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "orders"))


def handler(event, context):
    """A presigned URL for the order's object in S3, and the region and table the clients use."""
    key = f"orders/{event['order_id']}.json"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=300)
    return {
        "url": url.partition("?")[0],
        "signed": "Signature=" in url,
        "region": sqs.meta.region_name,
        "table": table.name,
    }
