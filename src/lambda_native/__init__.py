"""lambda-native: Python functions on AWS Lambda that start like native code.

Nothing is imported here: this package is on the runtime's cold-start path. `from lambda_native import
streaming, streaming_writer, HttpResponse` loads response streaming (`runtime/streaming.py`) when asked.
"""

__version__ = "0.1.0"

# The public names users import from `lambda_native`, loaded on first use (PEP 562).
_STREAMING_NAMES = frozenset(("HttpResponse", "streaming", "streaming_writer"))


def __getattr__(name: str):
    if name not in _STREAMING_NAMES:
        raise AttributeError(f"module 'lambda_native' has no attribute {name!r}")
    from lambda_native.runtime import streaming

    return getattr(streaming, name)
