"""Returns awkward values so the tests can check how each one is marshalled."""

import collections
import dataclasses
import datetime
import decimal
import enum
import uuid

Point = collections.namedtuple("Point", ["x", "y"])


class Color(enum.Enum):
    RED = 1


@dataclasses.dataclass
class Pair:
    left: int
    right: int


def handler(event, context):
    case = event["case"]
    if case == "decimal":
        return {
            "pi": decimal.Decimal("3.14159"),
            "big": decimal.Decimal("1E+3"),
            "tenth": decimal.Decimal("0.1"),
        }
    if case == "decimal_nan":
        return [decimal.Decimal("NaN"), decimal.Decimal("-NaN")]
    if case == "float_special":
        return [float("nan"), float("inf"), float("-inf")]
    if case == "namedtuple":
        return {"point": Point(1, 2)}
    if case == "tuple":
        return (1, "two", None, True)
    if case == "bytes":
        return b"\x00\x01raw\xff"
    if case == "datetime":
        return {"when": datetime.datetime(2026, 1, 2, 3, 4, 5)}
    if case == "set":
        return {1, 2}
    if case == "unicode":
        return {"price": "£1.00", "snow": "☃"}
    if case == "string":
        return "plain string"
    if case == "none":
        return None
    if case == "large_int":
        return {"n": 12345678901234567890}
    if case == "int_keys":
        return {1: "one"}
    if case == "enum":
        return {"color": Color.RED}
    if case == "uuid":
        return {"id": uuid.UUID(int=1)}
    if case == "dataclass":
        return {"pair": Pair(1, 2)}
    if case == "cyclic":
        loop = []
        loop.append(loop)
        return loop
    if case == "deep":
        nested = []
        for _ in range(event["depth"] - 1):
            nested = [nested]
        return nested
    if case == "surrogate":
        return {"s": "\ud800"}
    if case == "nested_bytes":
        return {"b": b"abc"}
    if case == "big_response":
        return "x" * event["size"]
    raise AssertionError(f"unknown case {case!r}")
