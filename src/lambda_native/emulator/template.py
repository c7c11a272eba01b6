"""A function's configuration read from a SAM / CloudFormation template, as `sam local invoke -t` does.

Reads Handler, Timeout, MemorySize, EphemeralStorage.Size, Environment.Variables, CodeUri and FunctionName
of one `AWS::Serverless::Function` (or `AWS::Lambda::Function`), with `Globals.Function` underneath.
Short-form CloudFormation tags (`!Ref`, `!Sub`, `!GetAtt`, ...) are accepted: `!Ref` of a template
parameter gives its `Default`, `!Sub` substitutes parameters' defaults and `AWS::Region`, and anything
else becomes the plain value written after the tag (e.g. `!GetAtt Table.Arn` -> "Table.Arn").
"""

from __future__ import annotations

import os
import re

import yaml

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


class TemplateError(ValueError):
    """The template cannot be read or does not say which function to run."""


class Tagged:
    """A value written with a CloudFormation tag, resolved once the whole template is known."""

    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value) -> None:
        self.tag = tag
        self.value = value


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps any `!Tag value` as a `Tagged` instead of failing."""


def _construct_tagged(loader: _Loader, suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged(suffix, value)


_Loader.add_multi_constructor("!", _construct_tagged)


class FunctionTemplate:
    """The settings of one function in a template (None where the template says nothing)."""

    __slots__ = (
        "code_uri",
        "environment",
        "ephemeral_storage",
        "function_name",
        "handler",
        "logical_id",
        "memory",
        "timeout",
    )

    def __init__(self, **fields) -> None:
        for name in self.__slots__:
            setattr(self, name, fields.get(name))


def read_template(path: str, logical_id: str | None = None, region: str = "us-east-1") -> FunctionTemplate:
    """Read function `logical_id` (or the template's only function) from the template at `path`."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except OSError as exc:
        raise TemplateError(f"cannot read template {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise TemplateError(f"{path} has no Resources section")
    functions = {
        name: res
        for name, res in doc["Resources"].items()
        if isinstance(res, dict) and res.get("Type") in FUNCTION_TYPES
    }
    if logical_id is None:
        if len(functions) != 1:
            listed = ", ".join(functions) or "none"
            raise TemplateError(f"{path} has {len(functions)} functions ({listed}): name the one to run")
        logical_id = next(iter(functions))
    if logical_id not in functions:
        listed = ", ".join(functions) or "none"
        raise TemplateError(f"{path} has no function {logical_id!r} (functions: {listed})")
    defaults = {
        name: p.get("Default")
        for name, p in (doc.get("Parameters") or {}).items()
        if isinstance(p, dict) and "Default" in p
    }
    defaults.update({"AWS::Region": region, "AWS::StackName": "local", "AWS::AccountId": "012345678912"})

    def resolve(value):
        return _resolve(value, defaults)

    globals_ = ((doc.get("Globals") or {}).get("Function")) or {}
    own = functions[logical_id].get("Properties") or {}
    props = {**globals_, **own}
    env = {**_variables(globals_), **_variables(own)}
    code_uri = resolve(props.get("CodeUri"))
    if isinstance(code_uri, str):
        code_uri = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), code_uri))
    else:
        code_uri = os.path.dirname(os.path.abspath(path))
    name = resolve(props.get("FunctionName"))
    storage = props.get("EphemeralStorage") if isinstance(props.get("EphemeralStorage"), dict) else {}
    return FunctionTemplate(
        logical_id=logical_id,
        handler=_text(resolve(props.get("Handler"))),
        timeout=_number(float, resolve(props.get("Timeout")), f"{logical_id}.Timeout"),
        memory=_number(int, resolve(props.get("MemorySize")), f"{logical_id}.MemorySize"),
        ephemeral_storage=_number(int, resolve(storage.get("Size")), f"{logical_id}.EphemeralStorage.Size"),
        environment={str(k): _text(resolve(v)) for k, v in env.items()},
        code_uri=code_uri,
        function_name=name if isinstance(name, str) else logical_id,
    )


def _number(kind, value, where: str):
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where} must be a number, got {value!r}") from None


def _variables(props: dict) -> dict:
    variables = (props.get("Environment") or {}).get("Variables")
    return variables if isinstance(variables, dict) else {}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _resolve(value, defaults: dict):
    if isinstance(value, Tagged):
        if value.tag == "Ref" and isinstance(value.value, str):
            return defaults.get(value.value, value.value)
        if value.tag == "Sub":
            text = value.value[0] if isinstance(value.value, list) else value.value
            if isinstance(text, str):
                return re.sub(r"\$\{([^}!]+)\}", lambda m: str(defaults.get(m.group(1), m.group(0))), text)
        return value.value
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        if key == "Ref" or key.startswith("Fn::"):
            tag = "Ref" if key == "Ref" else key[4:]
            return _resolve(Tagged(tag, value[key]), defaults)
    return value
