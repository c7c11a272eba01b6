"""A handler in a package: `pkg.sub.mod.handler`."""


def handler(event, context):
    return "pkg.sub.mod"
