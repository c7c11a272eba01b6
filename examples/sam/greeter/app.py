"""A SAM function built natively: `sam build` runs the Makefile beside this file, which runs our build."""

import os


def handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    return {"greeting": f"{os.environ.get('GREETING', 'Hello')}, {name}!", "function": context.function_name}
