"""redis-py against Redis (REDIS_URL): a counter and a cached value with a time to live."""

import os

import redis

client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)


def handler(event, context):
    key = f"corpus:{event['key']}"
    client.delete(key, key + ":hits")
    client.set(key, event["value"], ex=60)
    hits = client.incr(key + ":hits")
    return {"value": client.get(key), "hits": hits, "ttl_set": client.ttl(key) > 0}
