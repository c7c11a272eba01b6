"""One invoke: its request to the runtime, the reply the runtime posts, and how it ended.

Protocol logic only: the Runtime API server feeds reply bodies in, the environment decides when an
invoke is finished; nothing here touches a socket or a process. Where an invoke stands (queued, handed
out, replying, done) is kept by `runtime_state`, not here.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid

import orjson

from lambda_native.emulator import platform_errors

STREAMING = "streaming"
HTTP_INTEGRATION_TYPE = "application/vnd.awslambda.http-integration-response"
"""The content type of a streamed Function URL response: a JSON prelude, eight NUL bytes, the body."""
PRELUDE_DELIMITER = b"\0" * 8
MAX_PRELUDE_BYTES = 1 << 20
"""A prelude (status, headers, cookies) larger than this is refused."""


class Outcome:
    """How an invoke ended, before measurements are attached: a payload and an error type (or None)."""

    __slots__ = ("content_type", "error_type", "payload", "status", "streamed", "t_ns", "trailers")

    def __init__(
        self,
        payload: bytes,
        error_type: str | None,
        *,
        content_type: str | None = "application/json",
        status: str | None = None,
        t_ns: int | None = None,
        trailers: dict[str, str] | None = None,
        streamed: bool = False,
    ) -> None:
        self.payload = payload
        self.error_type = error_type
        self.content_type = content_type
        self.status = status or ("success" if error_type is None else "error")
        self.t_ns = time.perf_counter_ns() if t_ns is None else t_ns
        self.trailers = trailers or {}
        self.streamed = streamed


def platform_error(error_type: str, message: str, status: str = "error") -> Outcome:
    """An outcome the platform produced itself (crash, timeout, ...)."""
    return Outcome(platform_errors.error_document(error_type, message), error_type, status=status)


class Invocation:
    """An invoke in flight on an environment: what the runtime is sent, and what is gathered for the result.

    `future` gets the invoke's `Outcome`. `cold` says it started the runtime; `t_handout_ns` is when its
    event went to the runtime (None until then); `kill_reason` ("timeout" or "memory") why the runtime
    was killed during it; `logs` the runtime's lines it collects; `worker` the pid of the runtime process
    its event went to (Managed Instances, when known).
    """

    __slots__ = (
        "cold",
        "deadline_ms",
        "event",
        "future",
        "invocation_id",
        "kill_reason",
        "logs",
        "request_id",
        "runtime_headers",
        "stream",
        "t_handout_ns",
        "timer",
        "worker",
    )

    def __init__(self, event: bytes, runtime_headers: dict[str, str], future, stream=None) -> None:
        self.request_id = str(uuid.uuid4())
        self.invocation_id = str(uuid.uuid4())
        self.event = event
        self.runtime_headers = runtime_headers
        self.future = future
        self.stream = stream
        self.cold = False
        self.kill_reason: str | None = None
        self.logs: list[str] = []
        self.t_handout_ns: int | None = None
        self.deadline_ms = 0
        self.timer = None
        self.worker: int | None = None

    def next_response_headers(self, function_arn: str) -> dict[str, str]:
        """Headers of the `/next` reply that hands this invoke to the runtime."""
        headers = {
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": function_arn,
            "Lambda-Runtime-Invocation-Id": self.invocation_id,
        }
        headers.update(self.runtime_headers)
        return headers


def runtime_headers_from_invoke(headers: dict[str, str] | None) -> dict[str, str]:
    """Map an invoke request's headers (RIE / Invoke API names) onto the runtime's `/next` headers.

    `X-Amz-Client-Context` is base64 and is decoded (ValueError if it is not base64 of UTF-8 JSON);
    `X-Amzn-Trace-Id` and `X-Amz-Tenant-Id` pass through. Without a trace id one is made up in Lambda's
    PassThrough form (`Root=1-...;Parent=...;Sampled=0`), as Lambda always sends one.
    """
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    out = {}
    context = lowered.get("x-amz-client-context")
    if context:
        try:
            decoded = base64.b64decode(context, validate=True)
            orjson.loads(decoded)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"X-Amz-Client-Context must be base64-encoded JSON ({exc})") from None
        out["Lambda-Runtime-Client-Context"] = decoded.decode()
    trace = lowered.get("x-amzn-trace-id") or _made_up_trace_id()
    out["Lambda-Runtime-Trace-Id"] = trace
    tenant = lowered.get("x-amz-tenant-id")
    if tenant is not None:
        out["Lambda-Runtime-Aws-Tenant-Id"] = tenant
    return out


def _made_up_trace_id() -> str:
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


class Reply:
    """The body of a `/response` or `/error` post: accumulated (or forwarded as it streams), then judged."""

    __slots__ = ("chunks", "content_type", "error_type", "kind", "limit", "size", "stream", "streaming")

    def __init__(self, kind: str, headers: dict[str, str], stream=None) -> None:
        self.kind = kind
        self.content_type = headers.get("content-type")
        self.error_type = headers.get("lambda-runtime-function-error-type")
        self.streaming = headers.get("lambda-runtime-function-response-mode", "").lower() == STREAMING
        self.limit = (
            platform_errors.MAX_STREAMED_RESPONSE_BYTES
            if self.streaming and stream is not None
            else platform_errors.MAX_RESPONSE_BYTES
        )
        self.stream = stream if self.streaming and kind == "response" else None
        self.chunks: list[bytes] = []
        self.size = 0
        if self.stream is not None:
            self.stream.begin(self.content_type or "application/octet-stream")

    def data(self, data: bytes) -> None:
        """Take a piece of the body."""
        self.size += len(data)
        if self.size > self.limit:
            self.chunks.clear()
        elif self.stream is not None:
            self.stream.data(data)
        else:
            self.chunks.append(data)

    def finish(self, trailers: dict[str, str], t_ns: int) -> tuple[int, bytes, Outcome]:
        """At the end of the body: the status and body to reply to the runtime, and the invoke's outcome."""
        if self.size > self.limit:
            message = platform_errors.response_too_large_message(self.size, self.limit)
            outcome = platform_error("Function.ResponseSizeTooLarge", message)
            outcome.t_ns = t_ns
            if self.stream is not None:
                self.stream.end({"Lambda-Runtime-Function-Error-Type": "Function.ResponseSizeTooLarge"})
            body = platform_errors.api_error(
                "RequestEntityTooLarge", f"Exceeded maximum allowed payload size ({self.limit} bytes)."
            )
            return 413, body, outcome
        payload = b"".join(self.chunks)
        if self.kind == "error":
            error_type = self.error_type or string_field(payload, "errorType") or "Unhandled"
            if not payload:
                payload = platform_errors.error_document(error_type, "")
            outcome = Outcome(payload, error_type, t_ns=t_ns)
        else:
            trailer_type = trailers.get("lambda-runtime-function-error-type")
            if self.stream is not None:
                self.stream.end(_forwarded_trailers(trailers))
            outcome = Outcome(
                payload,
                trailer_type or None,
                content_type=self.content_type,
                t_ns=t_ns,
                trailers=trailers,
                streamed=self.streaming,
            )
        return 202, platform_errors.ACCEPTED, outcome


def init_error_outcome(headers: dict[str, str], payload: bytes) -> Outcome:
    """The outcome of the first invoke after the runtime posted `/init/error` with `payload`."""
    error_type = (
        headers.get("lambda-runtime-function-error-type") or string_field(payload, "errorType") or "Unhandled"
    )
    if not payload:
        payload = platform_errors.error_document(error_type, "")
    return Outcome(payload, error_type)


def _forwarded_trailers(trailers: dict[str, str]) -> dict[str, str]:
    names = {
        "lambda-runtime-function-error-type": "Lambda-Runtime-Function-Error-Type",
        "lambda-runtime-function-error-body": "Lambda-Runtime-Function-Error-Body",
    }
    return {names[k]: v for k, v in trailers.items() if k in names}


class HttpPrelude:
    """A Function URL response's status, headers (a list: `Set-Cookie` may repeat) and nothing else."""

    __slots__ = ("headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status = status
        self.headers = headers


class PreludeSplitter:
    """Takes a streamed Function URL response apart as it arrives: the prelude first, then body bytes."""

    __slots__ = ("_buf", "prelude")

    def __init__(self) -> None:
        self._buf = bytearray()
        self.prelude: HttpPrelude | None = None

    def feed(self, data: bytes) -> bytes:
        """Take a piece of the stream; return the body bytes it holds (b"" until the prelude is complete).

        ValueError if the prelude is not a JSON object with an integer `statusCode`, or never ends.
        """
        if self.prelude is not None:
            return data
        self._buf += data
        end = self._buf.find(PRELUDE_DELIMITER)
        if end < 0:
            if len(self._buf) > MAX_PRELUDE_BYTES:
                raise ValueError(f"no end of the HTTP prelude (eight NUL bytes) in {MAX_PRELUDE_BYTES} bytes")
            return b""
        self.prelude = parse_prelude(bytes(self._buf[:end]))
        body = bytes(self._buf[end + len(PRELUDE_DELIMITER) :])
        self._buf.clear()
        return body


def parse_prelude(raw: bytes) -> HttpPrelude:
    """The status and headers of a Function URL prelude (`statusCode`, `headers`, `multiValueHeaders`,
    `cookies` as `Set-Cookie` headers); ValueError if it is malformed."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the HTTP prelude is not JSON ({exc})") from None
    status = doc.get("statusCode", 200) if isinstance(doc, dict) else None
    if type(status) is not int or not 100 <= status <= 599:
        raise ValueError(
            f"the HTTP prelude needs a JSON object with an integer statusCode, got {raw[:200]!r}"
        )
    headers = [(str(k), str(v)) for k, v in (doc.get("headers") or {}).items()]
    for name, values in (doc.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    headers.extend(("Set-Cookie", str(cookie)) for cookie in doc.get("cookies") or ())
    return HttpPrelude(status, headers)


def decode_error_body(trailers: dict[str, str]) -> bytes | None:
    """The error document carried (base64) in a streamed response's `Lambda-Runtime-Function-Error-Body`."""
    value = trailers.get("lambda-runtime-function-error-body")
    if not value:
        return None
    try:
        return base64.b64decode(value)
    except binascii.Error:
        return None


def string_field(document: bytes | str, key: str) -> str | None:
    """`document[key]` when `document` is a JSON object and that value a non-empty string, else None."""
    try:
        doc = orjson.loads(document)
    except orjson.JSONDecodeError:
        return None
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value else None
