"""Reports what the handler sees: the context object and the process environment."""

import os


def _obj(value, fields):
    if value is None:
        return None
    return {field: getattr(value, field) for field in fields}


def handler(event, context):
    client_context = context.client_context
    cc = None
    if client_context is not None:
        cc = {"custom": client_context.custom, "env": client_context.env}
        cc["client"] = _obj(
            client_context.client,
            ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"],
        )
    return {
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "memory_limit_type": type(context.memory_limit_in_mb).__name__,
        "invoked_function_arn": context.invoked_function_arn,
        "tenant_id": context.tenant_id,
        "identity": _obj(context.identity, ["cognito_identity_id", "cognito_identity_pool_id"]),
        "client_context": cc,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "repr": repr(context),
        "w3c": context.w3c(),
    }


def env(event, context):
    return {name: os.environ.get(name) for name in event["names"]}


def log(event, context):
    context.log(event["message"])
    return "logged"
