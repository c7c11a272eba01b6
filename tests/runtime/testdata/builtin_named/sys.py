"""A module named like a built-in, allowed because it sits in a folder: `builtin_named/sys.handler`."""


def handler(event, context):
    return "builtin_named/sys"
