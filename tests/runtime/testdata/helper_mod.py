"""A second module in the task root, so that a stack trace can span two files."""


def explode():
    raise LookupError("from another module")  # marker: other-module-raise
