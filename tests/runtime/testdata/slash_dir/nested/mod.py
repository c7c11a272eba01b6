"""A handler addressed by path: `slash_dir/nested/mod.handler`."""


def handler(event, context):
    return "slash_dir/nested/mod"
