"""examples/boto3: clients and a resource made at init, real S3, DynamoDB and SQS calls to moto's server
on 127.0.0.1, the same answers from every runtime."""

from __future__ import annotations

import uuid

import boto3
import orjson
import pytest

from .conftest import RUNTIMES, event, example_function

EXAMPLE = "boto3"
# What a stand-in accepts; never a real account's.
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture
def resources(moto_server):
    """A bucket, a table and a queue of their own for one test, named in the function's environment."""
    name = f"orders-{uuid.uuid4().hex[:8]}"
    session = boto3.session.Session(**CREDENTIALS)
    session.client("s3", endpoint_url=moto_server).create_bucket(Bucket=name)
    session.client("dynamodb", endpoint_url=moto_server).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    session.client("sqs", endpoint_url=moto_server).create_queue(QueueName=name)
    return {"AWS_ENDPOINT_URL": moto_server, "BUCKET_NAME": name, "TABLE_NAME": name, "QUEUE_NAME": name}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_order_goes_through_s3_dynamodb_and_sqs(runtime, resources):
    with example_function(runtime, EXAMPLE, env=resources) as fn:
        result = fn.invoke(event(EXAMPLE))
        assert result.ok, result.payload
        assert result.json() == {
            "stored": orjson.loads(event(EXAMPLE)),
            "item": {"id": "o-1", "total": "12.50", "items": ["tea", "scones"]},
            "queued": ["o-1"],
        }
        assert result.logs == []
        # Warm: the clients made at init serve the next invoke too.
        again = fn.invoke({"order_id": "o-2", "total": "3", "items": []})
        assert again.ok and not again.cold, again.payload
        assert again.json()["item"] == {"id": "o-2", "total": "3", "items": []}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_missing_table_is_the_services_error_in_lambdas_error_document(runtime, resources):
    with example_function(runtime, EXAMPLE, env={**resources, "TABLE_NAME": "no-such-table"}) as fn:
        result = fn.invoke(event(EXAMPLE))
    document = result.json()
    assert result.error_type == "ResourceNotFoundException"
    assert document["errorType"] == "ResourceNotFoundException"
    assert document["errorMessage"] == (
        "An error occurred (ResourceNotFoundException) when calling the PutItem operation: "
        "Requested resource not found"
    )
