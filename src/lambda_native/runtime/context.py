"""The `context` argument handlers receive: the official `LambdaContext`'s attributes, methods and repr."""

from __future__ import annotations

import os
import time

# The W3C trace-context fields `context.w3c()` exposes (taken out of the client context, as officially).
_W3C_FIELDS = ("traceparent", "tracestate", "baggage")


class CognitoIdentity:
    """The caller's Amazon Cognito identity; both ids None unless the invoke carried one."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity: dict | None):
        identity = identity or {}
        self.cognito_identity_id = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    """The mobile app that invoked the function (from the client context); missing fields are None."""

    __slots__ = ("app_package_name", "app_title", "app_version_code", "app_version_name", "installation_id")

    def __init__(self, client: dict):
        for name in self.__slots__:
            setattr(self, name, client.get(name))

    def __repr__(self) -> str:
        return (
            f"Client([installation_id={self.installation_id},app_title={self.app_title},"
            f"app_version_name={self.app_version_name},app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}])"
        )


class ClientContext:
    """The client context the caller passed: `custom`, `env`, and `client` (a `Client` or None)."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, context: dict):
        self.custom = context.get("custom")
        self.env = context.get("env")
        client = context.get("client")
        self.client = None if client is None else Client(client)

    def __repr__(self) -> str:
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


class LambdaContext:
    """Everything a handler can ask about its invocation and function, as the official runtime provides it."""

    __slots__ = (
        "_deadline_ms",
        "_w3c",
        "aws_request_id",
        "client_context",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
        "tenant_id",
    )

    def __init__(
        self,
        request_id: str,
        deadline_ms: int,
        invoked_function_arn: str | None = None,
        client_context: dict | None = None,
        cognito_identity: dict | None = None,
        tenant_id: str | None = None,
    ):
        environ = os.environ
        self.aws_request_id = request_id
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a str, as officially
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self._deadline_ms = deadline_ms
        self._w3c = {}
        if client_context is None:
            self.client_context = None
        else:
            w3c = client_context.pop("w3c", None)
            if isinstance(w3c, dict):
                self._w3c = {k: w3c[k] for k in _W3C_FIELDS if isinstance(w3c.get(k), str)}
            self.client_context = ClientContext(client_context)
        self.identity = CognitoIdentity(cognito_identity)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the invoke times out (0 once past the deadline)."""
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def w3c(self) -> dict[str, str]:
        """The W3C trace context (`traceparent`, `tracestate`, `baggage`) the caller sent, if any."""
        return dict(self._w3c)

    def log(self, msg: object) -> None:
        """Write `str(msg)` to the function's log as is (no newline added, no level, no frame type)."""
        from lambda_native.runtime import logs

        logs.sink().write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity},tenant_id={self.tenant_id}])"
        )


def _parse_header(text: str | None, name: str) -> dict | None:
    if not text:
        return None
    from lambda_native.runtime import codec

    try:
        value = codec.loads(text.encode())
    except codec.DecodeError as exc:
        message = f"Unable to parse {name} JSON: {exc}"
    else:
        if isinstance(value, dict):
            return value
        message = f"Unable to parse {name} JSON: expected an object, got {type(value).__name__}"
    from lambda_native.runtime.error_report import Fault

    raise Fault("Runtime.LambdaContextUnmarshalError", message)


def from_invocation(invocation) -> LambdaContext:
    """The context of one `client.Invocation`; Fault `Runtime.LambdaContextUnmarshalError` on bad JSON."""
    return LambdaContext(
        invocation.request_id,
        invocation.deadline_ms,
        invocation.function_arn,
        _parse_header(invocation.client_context, "Client Context"),
        _parse_header(invocation.cognito_identity, "Cognito Identity"),
        invocation.tenant_id,
    )
