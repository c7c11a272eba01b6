"""The local Lambda emulator: runs a function's runtime as Lambda would and measures what Lambda measures.

Python API (stable; used by the tests and the benchmark suite)::

    from lambda_native.emulator import Function, InvokeResult, PackageError

    with Function("dist/function.zip", timeout=3.0, memory=128, env={"K": "V"}, cpu=None) as fn:
        r = fn.invoke(b'{"name": "Ada"}')            # cold start: spawns the runtime
        r = fn.invoke({"name": "Ada"})               # warm
        fn.restart()                                 # next invoke is cold again
        i = fn.init()                                # init alone, no invoke: i.ok, i.error_type, i.logs

`Function(source, *, command=None, handler=None, timeout=3.0, memory=128, env=None, cpu=None,
function_name="test_function", function_version="$LATEST", region="us-east-1", log_format=None,
log_level=None, max_concurrency=None, profile=None, credentials=None, log=None, sandbox=False,
ephemeral_storage=512)`: `source` is a
function.zip, a folder holding `bootstrap`, or a command list (`[sys.executable, "-m", "awslambdaric",
"app.handler"]`); `command=` with a path runs the command in that task root. Bad code (zip-slip, links,
missing or non-executable `bootstrap`) raises `PackageError` at construction. `cpu` pins the runtime
process to that CPU. `log` is called with each output line (runtime output and START/END/REPORT) as it
happens. `max_concurrency=N` runs it as on Lambda Managed Instances: one runtime serves up to N invokes at
once (call `invoke` from N threads). The function gets the credentials of AWS profile `profile`, else
`credentials`, else the caller's (`AWS_ACCESS_KEY_ID`...), else fake ones. `sandbox=True` runs it in
Lambda's sandbox (`sandbox`: /var/task read-only, a private /tmp of `ephemeral_storage` MB, uid 993), as
`lambda-native invoke` and `serve` do by default.

`init() -> InitResult`: the init phase alone, as for provisioned concurrency (`ok`, `error_type`,
`payload` and `json()` of the init error, `logs`, `init_duration_ms`); the next invoke is warm.

`invoke(event, headers=None, stream=None) -> InvokeResult` with fields:
    request_id, payload (bytes), content_type, error_type (None on success), status ("success",
    "error", "timeout"), ok, json(), cold (bool), init_duration_ms (None when warm), duration_ms,
    billed_duration_ms, memory_size_mb, max_memory_used_mb (REPORT's value), peak_rss_kb (exact
    peak of the runtime's process tree), spawn_to_first_next_ns and spawn_to_response_ns (cold only),
    logs (the runtime's lines), report (the REPORT line), trailers, streamed.

The module layout, one job each: `http11` (HTTP parsing, no I/O), `runtime_state` (the Runtime API's
state table: which call is allowed in which state and what it does, no I/O), `runtime_api` (the Runtime
API server, its connections and the readers of posted bodies), `invocation` (one invoke's request and
reply), `environment` (the execution environment: wires the parts; owns the runtime's lifetime, timers
and the invocations keyed by request id), `process`, `sandbox` (Lambda's sandbox around the runtime),
`output` (the runtime's log lines), `memory`, `measure` (`InvokeResult`: durations and memory),
`platform_log` (START / END / REPORT), `task_root` (zip / folder / command; `extract_zip`), `qemu` (a
bootstrap for another CPU), `lambda_env` (the runtime's environment variables), `platform_errors`,
`template` (SAM templates), `function` (this API), `serve` (the invoke API's server). The commands that
use it (`invoke`, `serve`, `watch`) are in `lambda_native.commands`.
"""

from lambda_native.emulator.function import Function, InitResult
from lambda_native.emulator.measure import InvokeResult
from lambda_native.emulator.task_root import PackageError

__all__ = ["Function", "InitResult", "InvokeResult", "PackageError"]
