"""aiohttp's client in a synchronous handler (asyncio.run per invoke): two concurrent JSON POSTs."""

import asyncio
import os

import aiohttp

URL = os.environ["SERVICE_URL"]


async def post_both(event):
    async with aiohttp.ClientSession(headers={"user-agent": "corpus/aiohttp"}) as session:

        async def post(part):
            async with session.post(f"{URL}/echo", json=part) as response:
                response.raise_for_status()
                return response.status, await response.json(), response.headers["x-agent"]

        return await asyncio.gather(post({"part": 1, **event}), post({"part": 2, **event}))


def handler(event, context):
    answers = asyncio.run(post_both(event))
    return {"status": [a[0] for a in answers], "echo": [a[1] for a in answers], "agent": answers[0][2]}
