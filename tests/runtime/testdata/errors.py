"""Handlers that fail in the ways the error-document tests need."""

import helper_mod


class CustomError(Exception):
    pass


def helper(depth):
    if depth == 0:
        raise ValueError("boom from helper")  # marker: helper-raise
    return helper(depth - 1)  # marker: helper-recurse


def recurse(depth):
    return recurse(depth + 1)  # marker: recurse


def handler(event, context):
    case = event["case"]
    if case == "key_error":
        raise KeyError("k")  # marker: key-error
    if case == "nested":
        return helper(1)  # marker: nested-call
    if case == "empty":
        raise RuntimeError()  # marker: empty
    if case == "custom":
        raise CustomError("custom message")  # marker: custom
    if case == "import_inside":
        import no_such_module_inside_handler  # noqa: F401  # marker: import-inside
    if case == "unicode":
        raise ValueError("héllo ☃")  # marker: unicode
    if case == "multiline":
        raise ValueError("line one\nline two")  # marker: multiline
    if case == "chained":
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise ValueError("outer") from inner  # marker: chained
    if case == "huge_message":
        raise ValueError("x" * event["size"])  # marker: huge
    if case == "recursion":
        return recurse(0)  # marker: recursion-call
    if case == "other_module":
        helper_mod.explode()  # marker: other-module-call
    return "no error"
