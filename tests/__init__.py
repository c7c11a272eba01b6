"""The test suite. A package, so every folder imports the shared helpers as `tests.support`."""
