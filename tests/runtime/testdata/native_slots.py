"""Slot handlers whose init loads native code of its own (orjson's extension module, from outside the
standard library): the runtime then gives each slot a worker process of its own."""

import orjson  # noqa: F401
from slots import crash  # noqa: F401
