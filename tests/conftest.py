"""Fixtures every folder of the suite may use."""

from tests.support.servers import moto_server  # noqa: F401  (a fixture: moto's server on 127.0.0.1)
