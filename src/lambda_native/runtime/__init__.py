"""The Lambda runtime loop (`python -m lambda_native`, and the compiled `bootstrap`).

One job per module: `loop` (the entry: init, then `/next` -> invoke, forever), `invoke` (one invoke and
its reply, for the loop and the concurrent slots alike), `client` + `wire` (Runtime API over HTTP/1.1),
`codec` (JSON), `context`, `handler_loading`, `error_report` (failures as the official client reports
them), `logs` + `loghandler`, `aio` (async handlers), `shutdown` (how the process ends: SIGTERM callbacks,
`from lambda_native.runtime.shutdown import on_shutdown`, and the fatal exit), `streaming` (response
streaming: `from lambda_native import streaming`), `concurrency` (Managed Instances' concurrent slots).

Nothing is imported here: this package is on the cold-start path.
"""
