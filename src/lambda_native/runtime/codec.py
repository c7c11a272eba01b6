"""All of the runtime's JSON, through orjson, in this one module.

orjson costs ~20 ms to import (its init pulls in `dataclasses`, `uuid`, `json`...), so it is imported here on
first use, never on the way to the first `/next`; no other module imports it.

Results are encoded like the official client's simplejson encoder, value for value: `Decimal` exactly, NaN
and infinities as the `NaN`/`Infinity` tokens, namedtuples as objects, tuples as arrays, non-string keys as
strings, and `datetime`, `set`, dataclasses or other objects refused with simplejson's message. The bytes
differ in that output is compact (no spaces) and UTF-8 (no `\\uXXXX` escapes, as the official client on
python3.12+).
"""

from __future__ import annotations

import sys

_orjson = None
_DUMPS_OPTIONS = 0
_INT64_MIN, _UINT64_MAX = -(1 << 63), (1 << 64) - 1


class DecodeError(ValueError):
    """Bytes that are not JSON; the message is the standard library's (same wording as simplejson)."""


class EncodeError(ValueError):
    """A value with no JSON form; the message matches simplejson's (`Object of type X is not ...`)."""


def _load():
    global _orjson, _DUMPS_OPTIONS
    import orjson

    # Responses keep simplejson's refusals: datetimes and dataclasses go to `_default`, which rejects them.
    _DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    _orjson = orjson
    return orjson


def loads(data: bytes | str) -> object:
    """Parse JSON; DecodeError if it is not JSON.

    Input orjson refuses but Python's json reads (numbers beyond a double, lone surrogates) is read by the
    latter, which also words the error like the official client when both refuse.
    """
    orjson = _orjson or _load()
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        import json

        try:
            return json.loads(data)
        except ValueError as exc:
            raise DecodeError(str(exc)) from None


def _default(obj: object) -> object:
    """orjson's fallback for types it does not encode itself: what simplejson does with them."""
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        return _orjson.Fragment("NaN" if obj.is_nan() else str(obj))
    if isinstance(obj, bytes):
        return obj.decode()
    as_dict = getattr(obj, "_asdict", None)
    if callable(as_dict):
        return as_dict()
    if isinstance(obj, tuple):
        return list(obj)
    if isinstance(obj, float):
        return float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(obj: object) -> bytes:
    """Encode a handler's result; EncodeError if some value cannot be encoded."""
    orjson = _orjson or _load()
    try:
        out = orjson.dumps(obj, default=_default, option=_DUMPS_OPTIONS)
    except orjson.JSONEncodeError as exc:
        if exc.__cause__ is not None:  # raised by `_default` (or by a `_asdict()` it called)
            raise EncodeError(str(exc.__cause__)) from None
        # orjson's own refusals: non-str keys, integers beyond 64 bits. Retry through the slow path.
        return _dumps_normalised(obj)
    # orjson writes NaN and infinities as null; only output containing null can hold one.
    if b"null" in out:
        return _dumps_normalised(obj)
    return out


def _dumps_normalised(obj: object) -> bytes:
    orjson = _orjson
    try:
        normalised = _normalise(obj)
        return orjson.dumps(normalised, default=_default, option=_DUMPS_OPTIONS | orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as exc:
        raise EncodeError(str(exc.__cause__ or exc)) from None
    except Exception as exc:  # from `_normalise`: a refused key, a failing `_asdict()`, a cycle
        raise EncodeError(str(exc)) from None


_SPECIAL_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _normalise(obj: object) -> object:
    """A copy of `obj` where what orjson would get wrong is pre-encoded: non-finite floats, huge integers."""
    if isinstance(obj, float):
        if obj - obj != 0.0:  # NaN or an infinity
            return _orjson.Fragment(_SPECIAL_FLOATS[repr(float(obj))])
        return obj
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj if _INT64_MIN <= obj <= _UINT64_MAX else _orjson.Fragment(str(int(obj)))
    if isinstance(obj, dict):
        return {_normalise_key(k): _normalise(v) for k, v in obj.items()}
    if isinstance(obj, list) or (type(obj) is tuple):
        return [_normalise(v) for v in obj]
    if isinstance(obj, (str, bytes)) or obj is None or type(obj) is _orjson.Fragment:
        return obj
    try:
        converted = _default(obj)
    except TypeError:
        return obj  # orjson encodes it natively (enum, UUID...) or refuses it with the right message
    return converted if type(converted) is _orjson.Fragment else _normalise(converted)


def _normalise_key(key: object) -> object:
    """Keys as simplejson takes them: str, int, float, bool, None (and bytes, decoded); others refused."""
    if isinstance(key, str) or key is None or isinstance(key, bool):
        return key
    if isinstance(key, float):
        return _SPECIAL_FLOATS[repr(float(key))] if key - key != 0.0 else key
    if isinstance(key, int):
        return key if _INT64_MIN <= key <= _UINT64_MAX else str(int(key))
    if isinstance(key, bytes):
        return key.decode()
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def dumps_str(obj: object) -> str:
    """Encode a value the runtime built itself (error documents, X-Ray causes) as a str."""
    orjson = _orjson or _load()
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()


def _log_default(obj: object) -> object:
    return str(obj)


def dumps_log(obj: object) -> str:
    """Encode a log record's value: what has no JSON form becomes its `str()`, as in the official client."""
    orjson = _orjson or _load()
    options = _DUMPS_OPTIONS | orjson.OPT_NON_STR_KEYS
    try:
        return orjson.dumps(obj, default=_log_default, option=options).decode()
    except orjson.JSONEncodeError:
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
