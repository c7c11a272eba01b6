"""The runtime's JSON codec, with real orjson, checked value for value against the official client's
encoder (simplejson configured as awslambdaric configures it) where the two are meant to agree."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import math
import uuid

import pytest

from lambda_native.runtime import codec

from ..support.exactness_module import exactness_module

simplejson = pytest.importorskip("simplejson")


def official(obj) -> str:
    """What awslambdaric's marshaller emits (its Encoder: no use_decimal, allow_nan, Decimal via RawJSON)."""

    class Encoder(simplejson.JSONEncoder):
        def default(self, o):
            if isinstance(o, decimal.Decimal):
                return math.nan if o.is_nan() else simplejson.RawJSON(str(o))
            return super().default(o)

    return Encoder(use_decimal=False, ensure_ascii=False, allow_nan=True).encode(obj)


def same_values(ours: bytes, theirs: str) -> bool:
    """Equal once parsed (NaN compared by identity of token, Decimals kept exact)."""
    parse = {"use_decimal": True, "allow_nan": True}
    return repr(simplejson.loads(ours, **parse)) == repr(simplejson.loads(theirs, **parse))


@pytest.fixture(autouse=True, params=["_json", "orjson", "orjson+C"])
def codec_path(request, monkeypatch):
    """Run every test on each path: the standard library's C codec (cold) and orjson (once it has paid),
    whose checks are the codec's Python ones or, as in a native bootstrap, builder/exactness.c's."""
    if request.param.startswith("orjson"):
        monkeypatch.setattr(codec, "_orjson", codec._orjson or codec._load())
        if request.param == "orjson+C":
            module = exactness_module()
            monkeypatch.setattr(codec, "_inexact", module.inexact)
            monkeypatch.setattr(codec, "_shape", module.shape)
        else:
            monkeypatch.setattr(codec, "_inexact", codec._python_inexact)
            monkeypatch.setattr(codec, "_shape", codec._python_shape)
    else:
        monkeypatch.setattr(codec, "_orjson", None)
        monkeypatch.setattr(codec, "_light_bytes", 0)
    return request.param


def test_light_path_hands_over_to_orjson_once_it_pays(monkeypatch, codec_path):
    if codec_path != "_json":
        pytest.skip("starts on the _json path")
    monkeypatch.setattr(codec, "ORJSON_AFTER_BYTES", 100)
    load = codec._load
    monkeypatch.setattr(codec, "_load", lambda: loaded.append(1) or load())
    loaded = []
    assert codec.loads(b'{"a": 1}') == {"a": 1}
    assert codec.dumps({"b": "x" * 40}) == b'{"b":"' + b"x" * 40 + b'"}'
    assert loaded == []  # 8 + 49 bytes so far
    assert codec.loads(b"[" + b"1," * 30 + b"1]") == [1] * 31
    assert loaded == [1]


Point = collections.namedtuple("Point", "x y")


class HasAsDict:
    def _asdict(self):
        return {"from": "_asdict"}


class FloatSub(float):
    pass


class TupleSub(tuple):
    __slots__ = ()


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    HIGH = 3


class Mode(str, enum.Enum):
    FAST = "fast"


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [True, False, None], "c": "text", "d": 1.5},
        {
            "price": decimal.Decimal("3.14159"),
            "big": decimal.Decimal("1E+3"),
            "neg": decimal.Decimal("-0.00"),
        },
        [float("nan"), float("inf"), float("-inf"), None],
        {"nested": {"deep": [1, {"x": float("nan")}]}, "null": None},
        Point(1, 2),
        [Point(1, float("inf"))],
        (1, 2, (3, 4)),
        TupleSub((1, 2)),
        {"sub": FloatSub(2.5)},
        HasAsDict(),
        {7: "int key", None: "none key", True: "bool key", 2.5: "float key"},
        {"huge": 2**70, "negative": -(2**65), 2**80: "huge key"},
        {"bytes": b"utf-8 text", b"key": 1},
        {"unicode": "£1.00 ✓ 😀"},
        {"lone surrogate": "a\ud800b"},
        {"int enum": Level.HIGH, Level.HIGH: "as key", "str enum": Mode.FAST},
        {"decimal and null": [decimal.Decimal("2.50"), None]},
        nested(300),
        "just a string",
        12,
        None,
        [],
        {},
    ],
    ids=repr,
)
def test_values_match_the_official_encoder(value):
    ours = codec.dumps(value)
    assert same_values(ours, official(value)), (ours, official(value))


def test_output_is_compact_utf8():
    assert codec.dumps({"a": [1, 2], "price": "£1"}) == '{"a":[1,2],"price":"£1"}'.encode()


def test_decimals_are_emitted_exactly():
    assert codec.dumps(decimal.Decimal("0.1000000000000000000001")) == b"0.1000000000000000000001"
    assert codec.dumps([decimal.Decimal("NaN"), decimal.Decimal("-NaN"), decimal.Decimal("Infinity")]) == (
        b"[NaN,NaN,Infinity]"
    )


def test_non_finite_floats_use_the_official_tokens():
    assert codec.dumps({"n": float("nan"), "i": float("inf"), "m": float("-inf")}) == (
        b'{"n":NaN,"i":Infinity,"m":-Infinity}'
    )


def test_null_and_the_string_null_are_untouched():
    assert codec.dumps({"a": None, "b": "null", "c": [None]}) == b'{"a":null,"b":"null","c":[null]}'


def test_non_string_keys_become_strings():
    assert codec.dumps({None: 1, True: 2, False: 3, 7: 4, 0.5: 5}) == (
        b'{"null":1,"true":2,"false":3,"7":4,"0.5":5}'
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (datetime.datetime(2024, 1, 1), "Object of type datetime is not JSON serializable"),
        ({"when": datetime.date(2024, 1, 1)}, "Object of type date is not JSON serializable"),
        ({1, 2}, "Object of type set is not JSON serializable"),
        (object(), "Object of type object is not JSON serializable"),
        (bytearray(b"x"), "Object of type bytearray is not JSON serializable"),
        ({"nan": float("nan"), "bad": {1}}, "Object of type set is not JSON serializable"),
        ({datetime.date(2024, 1, 1): 1}, "keys must be str, int, float, bool or None, not date"),
        ({(1, 2): 1}, "keys must be str, int, float, bool or None, not tuple"),
        ({"b": b"\xff"}, "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
        ({"color": Color.RED}, "Object of type Color is not JSON serializable"),
        ({"id": uuid.UUID(int=1)}, "Object of type UUID is not JSON serializable"),
        ([None, decimal.Decimal(1), {"then": Color.RED}], "Object of type Color is not JSON serializable"),
    ],
    ids=repr,
)
def test_unencodable_values_get_the_official_message(value, message):
    with pytest.raises(codec.EncodeError) as caught:
        codec.dumps(value)
    assert str(caught.value) == message
    with pytest.raises(Exception) as official_error:
        official(value)
    assert str(official_error.value) == message


def test_dataclasses_are_refused_like_any_object():
    @dataclasses.dataclass
    class Row:
        x: int

    with pytest.raises(codec.EncodeError, match="Object of type Row is not JSON serializable"):
        codec.dumps(Row(1))


def test_cycles_are_refused_but_shared_values_are_not():
    loop: list = []
    loop.append(loop)
    with pytest.raises(codec.EncodeError, match="Circular reference detected"):
        codec.dumps(loop)
    shared = {"a": 1}
    assert codec.dumps([shared, shared]) == b'[{"a":1},{"a":1}]'


def test_lone_surrogates_are_escaped():
    assert codec.dumps(["\ud800"]) == b'["\\ud800"]'


def test_failing_asdict_is_an_encode_error():
    class Broken:
        def _asdict(self):
            raise KeyError("missing")

    with pytest.raises(codec.EncodeError, match="missing"):
        codec.dumps({"x": Broken()})


def test_loads_reads_json():
    assert codec.loads(b'{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert codec.loads(b'"text"') == "text"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "Expecting value: line 1 column 1 (char 0)"),
        (b"not json", "Expecting value: line 1 column 1 (char 0)"),
        (b'{"a": }', "Expecting value: line 1 column 7 (char 6)"),
        (b"[1,", "Expecting value: line 1 column 4 (char 3)"),
    ],
)
def test_bad_json_is_a_decode_error_worded_like_the_official_one(raw, message):
    with pytest.raises(codec.DecodeError) as caught:
        codec.loads(raw)
    assert str(caught.value) == message
    with pytest.raises(simplejson.JSONDecodeError) as official_error:
        simplejson.loads(raw)
    assert str(official_error.value) == message


def test_other_decode_errors_say_where_in_the_input():
    # The standard library words some errors differently from simplejson ("delimiter" vs "delimiter or '}'").
    with pytest.raises(codec.DecodeError, match=r"line 1 column 8 \(char 7\)"):
        codec.loads(b'{"a": 1')


def test_loads_accepts_what_orjson_refuses_but_python_reads():
    assert codec.loads(b"[1e400]") == [math.inf]
    assert codec.loads(b'"\\ud800"') == "\ud800"


@pytest.mark.parametrize(
    "raw",
    [b"123456789012345678901234567890", b'{"a": [-98765432109876543210]}', b"18446744073709551616"],
)
def test_integers_beyond_64_bits_stay_exact(raw):
    assert codec.loads(raw) == simplejson.loads(raw)  # an int never equals the float orjson would give


@pytest.mark.parametrize(
    "raw",
    [
        b"[-9223372036854775808, 18446744073709551615]",  # orjson's own range: read exactly
        b"[-9223372036854775809, 18446744073709551616]",  # one beyond each end
        b'[[[{"deep": [1, 2.5, {"n": 123456789012345678901}]}]]]',
        b"[0.5, 1e19, -9.3e18, 9223372036854775807]",  # floats that large are floats in the document too
    ],
)
def test_every_number_is_read_as_simplejson_reads_it(raw):
    ours, theirs = codec.loads(raw), simplejson.loads(raw)
    assert repr(ours) == repr(theirs)  # repr tells 1e19 from 10000000000000000000


def test_long_digit_runs_inside_strings_change_nothing():
    assert codec.loads(b'{"id": "123456789012345678901234567890"}') == {
        "id": "123456789012345678901234567890"
    }


def test_invalid_utf8_is_a_decode_error_as_officially():
    with pytest.raises(codec.DecodeError) as caught:
        codec.loads(b'"\xff"')
    with pytest.raises(UnicodeDecodeError) as official_error:
        simplejson.loads(b'"\xff"')
    assert str(caught.value) == str(official_error.value)


def test_spaced_documents_are_byte_identical_to_the_official_error_document():
    document = {
        "errorMessage": "'k' £",
        "errorType": "KeyError",
        "requestId": "rid-1",
        "stackTrace": ['  File "/var/task/app.py", line 2, in h\n    raise KeyError("k")\n', ""],
    }
    assert codec.dumps_spaced(document) == simplejson.dumps(document, ensure_ascii=False)
    assert codec.dumps_spaced({"stackTrace": []}) == '{"stackTrace": []}'


def test_log_values_fall_back_to_str():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5)
    assert codec.dumps_log({"when": when, "tags": {1}}) == '{"when":"2024-01-02 03:04:05","tags":"{1}"}'
    assert codec.dumps_log("plain") == '"plain"'
