"""The Lambda runtime loop (`python -m lambda_native`, and the compiled `bootstrap`).

One job per module: `bootstrap` (the loop), `client` + `wire` (Runtime API over HTTP/1.1), `codec` (JSON),
`context`, `handler` (loading), `errors`, `logs` + `loghandler`, `aio` (async handlers), `shutdown`
(SIGTERM callbacks: `from lambda_native.runtime.shutdown import on_shutdown`), `streaming` (response
streaming: `from lambda_native import streaming`), `concurrency` (Managed Instances' concurrent slots).

Nothing is imported here: this package is on the cold-start path.
"""
