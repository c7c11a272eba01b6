"""All of the runtime's JSON, in this one module: the standard library's C codec first, orjson once it pays.

orjson costs ~20 ms to import (its init pulls in `dataclasses`, `uuid`, `json`, `enum`...), more than a
hello function's whole cold start, while the C scanner and encoder of the standard library's `_json` load in
well under a millisecond (`json` itself is not imported: its `re` and `enum` cost ~8 ms). So payloads go
through `_json` until the runtime has moved `ORJSON_AFTER_BYTES` of them, and only then is orjson imported,
when its speed on large payloads starts to repay its import: a function with small events never loads it;
one with 1 MB events loads it on a warm invoke, not on its cold start. Whichever path runs, the values are
the same: where orjson would differ from simplejson is decided value by value (an integer token beyond 64
bits, which orjson reads as a float; a NaN or infinity, which it writes as null; an enum member, UUID or
namedtuple, which it writes where simplejson refuses or writes an object), and only then does the whole
document go to the exact path. A native bootstrap makes those checks in C (builder/exactness.c), a pass
over the value where Python takes ~0.6 ms per 1 MB event. The runtime's own small documents (error
documents, X-Ray causes, JSON log lines) always use `_json`.

Events are read as simplejson's `loads` reads them: `NaN` and `Infinity` tokens refused, a leading
byte-order mark skipped, integers of any size exact, errors worded alike (Python's json words a few
delimiter errors differently).

Results are encoded like the official client's simplejson encoder, value for value: `Decimal` exactly, NaN
and infinities as the `NaN`/`Infinity` tokens, namedtuples as objects, tuples as arrays, non-string keys as
strings, and `datetime`, `set`, `enum`, `uuid`, dataclasses and other objects refused with simplejson's
message. The bytes differ in that output is compact (no spaces) and UTF-8 (no `\\uXXXX` escapes, as the
official client on python3.12+; lone surrogates are escaped).
"""

from __future__ import annotations

import marshal
import sys

_orjson = None
_DUMPS_OPTIONS = 0
# JSON moved through `_json` before orjson is imported: about what `_json` needs orjson's import time to
# decode and encode, so a function never pays more than twice the better choice.
ORJSON_AFTER_BYTES = 4 << 20
_light_bytes = 0
_scanner = _encoder = _log_encoder = _encode_string = _encode_ascii = None
# The questions asked of a value before orjson reads or writes it (`_python_inexact`, `_python_shape`), set
# by `_load`: answered by the `_lambda_native_exactness` module where a native bootstrap has it, else here.
_inexact = _shape = None
# What `_shape` answers: some value is not an exact JSON built-in; all are; all are, a float maybe not finite.
_OTHER, _PLAIN, _MAYBE_NOT_FINITE = 0, 1, 2
_INT64_MIN, _UINT64_MAX = -(1 << 63), (1 << 64) - 1


class DecodeError(ValueError):
    """Bytes that are not JSON, as simplejson sees them; the message is simplejson's for most refusals."""


class EncodeError(ValueError):
    """A value with no JSON form; the message matches simplejson's (`Object of type X is not ...`)."""


def _load():
    global _orjson, _DUMPS_OPTIONS, _inexact, _shape
    import orjson

    try:  # builder/exactness.c, compiled into a native bootstrap: the same answers in a pass of C
        from _lambda_native_exactness import inexact, shape
    except ImportError:
        inexact, shape = _python_inexact, _python_shape
    _inexact, _shape = inexact, shape
    # Responses keep simplejson's refusals: datetimes and dataclasses go to `_default`, which rejects them.
    _DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    _orjson = orjson
    return orjson


class _Constant(ValueError):
    """A `NaN`, `Infinity` or `-Infinity` token, which simplejson (unlike Python's json) refuses to read."""


def _refuse_constant(name: str) -> object:
    raise _Constant(name)


class _ScanContext:
    """What `_json.make_scanner` reads from a `json.JSONDecoder`, without importing `json`: its defaults, but
    NaN and the infinities refused, as simplejson's `loads` does (the exact path then words the error)."""

    __slots__ = ("object_hook", "object_pairs_hook", "parse_constant", "parse_float", "parse_int", "strict")

    def __init__(self) -> None:
        self.strict = True
        self.object_hook = self.object_pairs_hook = None
        self.parse_float, self.parse_int = float, int
        self.parse_constant = _refuse_constant


def _refuse(obj: object) -> object:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _log_default(obj: object) -> object:
    return str(obj)


def _load_light() -> None:
    """Build the `_json` scanner and encoders (compact, UTF-8, NaN allowed: as `json.dumps` would)."""
    global _scanner, _encoder, _log_encoder, _encode_string, _encode_ascii
    import _json

    _encode_string, _encode_ascii = _json.encode_basestring, _json.encode_basestring_ascii
    _scanner = _json.make_scanner(_ScanContext())
    _encoder = _json.make_encoder(None, _refuse, _encode_string, None, ":", ",", False, False, True)
    _log_encoder = _json.make_encoder(None, _log_default, _encode_string, None, ":", ",", False, False, True)


def _light(size: int) -> bool:
    """Whether `_json` takes this payload of `size` bytes: yes until orjson is loaded or has paid off."""
    global _light_bytes
    if _orjson is not None:
        return False
    _light_bytes += size
    if _light_bytes > ORJSON_AFTER_BYTES:
        return False
    if _scanner is None:
        _load_light()
    return True


_WHITESPACE = " \t\n\r"


def _light_loads(text: str) -> object:
    """`json.loads` on a str through the C scanner; raises on any bad input for the exact path to word."""
    start = len(text) - len(text.lstrip(_WHITESPACE))
    value, end = _scanner(text, start)
    if end != len(text) and text[end:].strip(_WHITESPACE):
        raise ValueError("extra data")
    return value


# orjson reads integers within [-2**63, 2**64 - 1] exactly and any other as a float, whose magnitude is then
# at least 2**63: a smaller float in its result was a float in the document.
_INEXACT_FLOAT = float(1 << 63)


def _python_inexact(value: object) -> bool:
    """Whether orjson's result `value` holds a float that may have been an integer token beyond 64 bits.

    Decided per value, on the result rather than the bytes (a digit run inside a string costs nothing): the
    tree is walked a level at a time by `gc.get_referents`, whose C loop, with the set of each level's
    types, costs ~0.4 ms for a 1 MB event against ~0.7 ms for a scan of its bytes. orjson's results are
    trees (no container twice), so the walk ends.
    """
    from gc import get_referents

    level = [value]
    while level:
        if float in set(map(type, level)):
            for item in level:
                if type(item) is float and not -_INEXACT_FLOAT < item < _INEXACT_FLOAT:
                    return True
        level = get_referents(*level)
    return False


def loads(data: bytes) -> object:
    """Parse JSON (bytes or bytearray) as simplejson does; DecodeError if it is not JSON.

    The exact path (Python's json, made to read as simplejson) takes what orjson refuses (numbers beyond a
    double, lone surrogates, a byte-order mark, and bad JSON, to word the error) or would read inexactly:
    orjson turns integers beyond 64 bits into floats.
    """
    if _light(len(data)):
        try:
            return _light_loads(data.decode())
        except Exception:  # not JSON: the exact path says why, in simplejson's words
            return _exact_loads(data)
    orjson = _orjson or _load()
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _exact_loads(data)
    return _exact_loads(data) if _inexact(value) else value


# A byte-order mark that simplejson skips at the start of a document, as text and as UTF-8 read as Latin-1.
_BOMS = ("\ufeff", "\xef\xbb\xbf")


def _exact_loads(data: bytes) -> object:
    """Python's json, made to read as simplejson's `loads` does, for what the fast paths refuse: a leading
    byte-order mark skipped, NaN and the infinities refused, simplejson's wording for extra data."""
    import json

    try:
        text = data.decode()  # simplejson reads bytes as UTF-8 only: so do we
        for bom in _BOMS:
            if text.startswith(bom):
                text = " " * len(bom) + text[len(bom) :]  # skipped, the error positions kept
        return json.loads(text, parse_constant=_refuse_constant)
    except _Constant:
        raise DecodeError(str(json.JSONDecodeError("Expecting value", text, _constant_at(text)))) from None
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise DecodeError(str(exc)) from None
        end = json.JSONDecodeError("", text, len(text))
        message = f"Extra data: line {exc.lineno} column {exc.colno} - line {end.lineno} column {end.colno}"
        raise DecodeError(f"{message} (char {exc.pos} - {len(text)})") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than Python's json reads
        raise DecodeError(str(exc)) from None


def _constant_at(text: str) -> int:
    """Where the first `NaN`/`Infinity`/`-Infinity` token outside a string starts (the scan that met it found
    no error before it, and outside strings `N` and `I` occur in no other token)."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "NI" or (char == "-" and text.startswith("Infinity", index + 1)):
            return index
    return 0


def _default(obj: object) -> object:
    """orjson's fallback for types it does not encode itself: what simplejson does with them."""
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        return _orjson.Fragment("NaN" if obj.is_nan() else str(obj))
    if isinstance(obj, bytes):
        return obj.decode()
    if isinstance(obj, tuple):
        return list(obj)
    if isinstance(obj, float):
        return float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(obj: object) -> bytes:
    """Encode a handler's result; EncodeError if some value cannot be encoded.

    orjson encodes plain built-in values as simplejson does, except NaN and infinities (as null); anything
    else, and any plain float that may not be finite, is checked value by value first, and what orjson would
    get wrong goes to `_exact`.
    """
    if _light(0):
        if _marshalled(obj) is None:
            return _exact(obj)
        try:
            out = "".join(_encoder(obj, 0)).encode()
        except Exception:  # a set, bytes, a lone surrogate...: the exact path writes or refuses them
            return _exact(obj)
        _light(len(out))
        return out
    orjson = _orjson or _load()
    shape = _shape(obj)
    if shape == _OTHER and _needs_exact(obj):
        return _exact(obj)
    try:
        out = orjson.dumps(obj, default=_default, option=_DUMPS_OPTIONS)
    except orjson.JSONEncodeError as exc:
        if exc.__cause__ is not None:  # raised by `_default`
            raise EncodeError(str(exc.__cause__)) from None
        return _exact(obj)  # non-str keys, >64-bit integers, lone surrogates, deep nesting, cycles
    if shape == _MAYBE_NOT_FINITE and b"null" in out and _needs_exact(obj):
        return _exact(obj)
    return out


def _marshalled(obj: object) -> bytes | None:
    """`marshal.dumps(obj)`, a C-speed proof that `obj` holds only exact built-in types; else None."""
    try:
        return marshal.dumps(obj)
    except ValueError:
        return None


def _python_shape(obj: object) -> int:
    """`_OTHER` unless `obj` holds only exact built-in types (`_marshalled`), else `_MAYBE_NOT_FINITE` if
    some float in it may be a NaN or an infinity, which orjson writes as null, else `_PLAIN`.

    marshal writes each float as 8 little-endian IEEE bytes, whose last is 0x7f or 0xff exactly when the
    exponent is all ones (NaN, infinity); UTF-8 text never holds 0xff and holds 0x7f only as DEL. Without
    either byte (a memchr each) no float in the value can be NaN or infinite.
    """
    shape = _marshalled(obj)
    if shape is None:
        return _OTHER
    return _MAYBE_NOT_FINITE if b"\x7f" in shape or b"\xff" in shape else _PLAIN


def _needs_exact(obj: object) -> bool:
    """Whether orjson would encode some value in `obj` otherwise than simplejson: NaN or an infinity, an
    integer beyond 64 bits, an `enum.Enum` or `uuid.UUID` (orjson encodes them, simplejson refuses), a
    namedtuple (an array for orjson), or a container met twice (maybe a cycle)."""
    enum, uuid = sys.modules.get("enum"), sys.modules.get("uuid")
    stack, seen = [obj], set()
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str or kind is bool or value is None:
            continue
        if kind is int:
            if not _INT64_MIN <= value <= _UINT64_MAX:
                return True
        elif isinstance(value, float):
            if value - value != 0.0:
                return True
        elif isinstance(value, (dict, list, tuple)):
            if hasattr(value, "_asdict") or id(value) in seen:
                return True
            seen.add(id(value))
            stack.extend(value.values() if isinstance(value, dict) else value)
        elif _orjson_only(value, enum, uuid):
            return True
    return False


def _orjson_only(value: object, enum, uuid) -> bool:
    """An object orjson encodes natively (enum member, UUID) or as an array (namedtuple); simplejson not."""
    if enum is not None and isinstance(value, enum.Enum) and not isinstance(value, (int, str, float)):
        return True
    if uuid is not None and isinstance(value, uuid.UUID):
        return True
    return callable(getattr(value, "_asdict", None))


def _exact(obj: object) -> bytes:
    """simplejson's encoding (as the official client configures it) in Python, compact: the slow path."""
    parts: list[str] = []
    try:
        _encode(obj, parts.append, set())
    except Exception as exc:  # refused types and keys, cycles, a failing `_asdict()`, too deep a nesting
        raise EncodeError(str(exc)) from None
    return "".join(parts).encode()


def _encode(value: object, emit, markers: set[int]) -> None:
    if isinstance(value, str):
        emit(_string(value))
    elif isinstance(value, bytes):
        emit(_string(value.decode()))
    elif value is None:
        emit("null")
    elif value is True:
        emit("true")
    elif value is False:
        emit("false")
    elif isinstance(value, int):
        emit(int.__repr__(value))
    elif isinstance(value, float):
        emit(_float_text(value))
    elif isinstance(value, list):
        _encode_array(value, emit, markers)
    else:
        as_dict = getattr(value, "_asdict", None)
        if callable(as_dict):
            _encode_object(as_dict(), emit, markers)
        elif isinstance(value, tuple):
            _encode_array(value, emit, markers)
        elif isinstance(value, dict):
            _encode_object(value, emit, markers)
        else:
            decimal = sys.modules.get("decimal")
            if decimal is None or not isinstance(value, decimal.Decimal):
                _refuse(value)
            emit("NaN" if value.is_nan() else str(value))


def _enter(container: object, markers: set[int]) -> int:
    marker = id(container)
    if marker in markers:
        raise ValueError("Circular reference detected")
    markers.add(marker)
    return marker


def _encode_array(items, emit, markers: set[int]) -> None:
    marker = _enter(items, markers)
    emit("[")
    for index, item in enumerate(items):
        if index:
            emit(",")
        _encode(item, emit, markers)
    emit("]")
    markers.discard(marker)


def _encode_object(mapping: dict, emit, markers: set[int]) -> None:
    marker = _enter(mapping, markers)
    emit("{")
    for index, (key, item) in enumerate(mapping.items()):
        emit(("," if index else "") + _string(_exact_key(key)) + ":")
        _encode(item, emit, markers)
    emit("}")
    markers.discard(marker)


def _exact_key(key: object) -> str:
    """A dict key as simplejson writes it: str, bytes (decoded), float, bool, None or int; else refused."""
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return key.decode()
    if isinstance(key, float):
        return _float_text(key)
    if key is None or isinstance(key, bool):
        return _key_text(key)
    if isinstance(key, int):
        return str(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value - value != 0.0:
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _string(text: str) -> str:
    if _encode_string is None:
        _load_light()
    if text.isascii():
        return _encode_string(text)
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: only an ASCII-escaped string can carry it
        return _encode_ascii(text)
    return _encode_string(text)


def dumps_str(obj: object) -> str:
    """Encode a value the runtime built itself (in error documents, X-Ray causes) as a str."""
    if isinstance(obj, str):
        return _string(obj)  # an exception message may hold a lone surrogate
    if _encoder is None:
        _load_light()
    return "".join(_encoder(obj, 0))


def dumps_log(obj: object) -> str:
    """Encode a log record's value: what has no JSON form becomes its `str()`, as in the official client."""
    if _log_encoder is None:
        _load_light()
    try:
        return "".join(_log_encoder(obj, 0))
    except Exception:  # a cycle, a key of no JSON type
        return dumps_str(str(obj))


def dumps_spaced(value: object, encode=dumps_str) -> str:
    """JSON with the `", "` and `": "` separators of simplejson and Python's json, so the runtime's own
    documents (error documents, X-Ray causes, JSON log lines) are byte-identical to the official client's.

    Objects and arrays are laid out here; `encode` writes every other value (and may turn an object into
    a string, as `dumps_log` does).
    """
    if isinstance(value, dict):
        items = [f"{dumps_str(_key_text(k))}: {dumps_spaced(v, encode)}" for k, v in value.items()]
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dumps_spaced(v, encode) for v in value) + "]"
    return encode(value)


def _key_text(key: object) -> str:
    """A dict key as Python's json writes it: str as is, JSON literals for bools and None, else `str()`."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    return str(key)
