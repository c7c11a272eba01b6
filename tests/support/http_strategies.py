"""Hypothesis strategies for HTTP/1.1 messages, shared by the runtime's and the emulator's parser tests."""

from __future__ import annotations

from hypothesis import strategies as st

TOKEN = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
field_values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=16)
# Sizes of the pieces a message arrives in, used in turn: a socket may hand over any split.
pieces = st.lists(st.integers(1, 64), min_size=1)


def field_names(framing: set[str]):
    """Header or trailer names, but none of `framing` (which the generator sets itself)."""
    return st.text(TOKEN, min_size=1, max_size=12).filter(lambda name: name.lower() not in framing)


def joined(pairs) -> dict[str, str]:
    """Fields as both parsers report them: names lower-cased, repeated ones joined with ", "."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


@st.composite
def chunked(draw, body: bytes, trailers) -> bytes:
    """`body` as a chunked body cut at drawn places, ending with `trailers` [(name, value)]."""
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=4)))
    parts = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True) if b > a]
    payload = b"".join(b"%x\r\n%b\r\n" % (len(part), part) for part in parts)
    return payload + b"0\r\n" + b"".join(f"{n}: {v}\r\n".encode() for n, v in trailers) + b"\r\n"


@st.composite
def damaged(draw, messages) -> bytes:
    """A message drawn from `messages` (bytes, or a tuple whose first item is the bytes) with 1-4 bytes
    overwritten at random places."""
    message = draw(messages)
    raw = bytearray(message[0] if isinstance(message, tuple) else message)
    places = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4)
    for position, value in draw(places):
        raw[position % len(raw)] = value
    return bytes(raw)
