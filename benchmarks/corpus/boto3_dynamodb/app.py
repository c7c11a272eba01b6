"""boto3's DynamoDB resource: the table (TABLE_NAME) is made at init if missing, items put and queried."""

import os

import boto3
from boto3.dynamodb.conditions import Key

dynamodb = boto3.resource("dynamodb")
NAME = os.environ.get("TABLE_NAME", "corpus-events")
if NAME not in [table.name for table in dynamodb.tables.all()]:
    dynamodb.create_table(
        TableName=NAME,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
table = dynamodb.Table(NAME)


def handler(event, context):
    for index, item in enumerate(event["items"]):
        table.put_item(Item={"pk": event["user"], "sk": f"{index:04d}", "what": item})
    found = table.query(KeyConditionExpression=Key("pk").eq(event["user"]))["Items"]
    return {"count": len(found), "what": [item["what"] for item in found]}
