"""Black-box tests of the runtime: `python -m lambda_native` (and, as the reference, `python -m awslambdaric`)
run as real processes against the fake Runtime API on 127.0.0.1 (`tests/support/fake_api.py`).

Run: `.venv/bin/python -m pytest tests/runtime` (`-k awslambdaric` or `-k "not awslambdaric"` for one side).
Tests parametrised with `impl` run against every runtime; ones pinned to `ours` (OURS_AND_NATIVE) cover
deliberate differences and features the official client lacks. Handlers under test live in `testdata/`.
`-m native` runs the same tests against the native bootstrap too (`native.py`: one build per session).
"""
