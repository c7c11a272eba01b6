"""SAM / CloudFormation templates: the function's settings, CloudFormation tags tolerated."""

from __future__ import annotations

import pytest

from lambda_native.emulator.template import TemplateError, read_template

from .conftest import HANDLERS, SH_RUNTIME, TESTDATA

TEMPLATE = str(TESTDATA / "template.yaml")


def test_function_with_tags_and_globals():
    tpl = read_template(TEMPLATE, "EnvFunction", region="eu-west-1")
    assert tpl.handler == "app.environment"
    assert tpl.timeout == 5.0 and tpl.memory == 256
    assert tpl.code_uri == str(HANDLERS)
    assert tpl.function_name == "EnvFunction"
    assert tpl.environment == {
        "FROM_GLOBALS": "yes",
        "STAGE": "dev",
        "TABLE_ARN": "Table.Arn",
        "TABLE_NAME": "dev-eu-west-1-items",
        "PORT": "8080",
        "UNKNOWN": "NotAParameter",
    }


def test_ephemeral_storage_is_read_and_none_without_it(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      EphemeralStorage:\n        Size: 2048\n"
    )
    assert read_template(str(path)).ephemeral_storage == 2048
    assert read_template(TEMPLATE, "EchoFunction").ephemeral_storage is None


def test_function_properties_override_globals():
    tpl = read_template(TEMPLATE, "EchoFunction")
    assert tpl.memory == 128 and tpl.timeout == 2.0
    assert tpl.function_name == "echo-fn" and tpl.code_uri == str(SH_RUNTIME)


def test_several_functions_need_a_logical_id():
    with pytest.raises(
        TemplateError, match=r"has 2 functions \(EnvFunction, EchoFunction\): name the one to run"
    ):
        read_template(TEMPLATE)


def test_unknown_logical_id():
    with pytest.raises(TemplateError, match="has no function 'Nope'"):
        read_template(TEMPLATE, "Nope")


def test_the_only_function_is_chosen(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.b\n"
    )
    tpl = read_template(str(path))
    assert tpl.logical_id == "Fn" and tpl.handler == "a.b" and tpl.code_uri == str(tmp_path)
    assert tpl.timeout is None and tpl.memory is None


@pytest.mark.parametrize(
    ("text", "message"),
    [("Resources: [", "is not valid YAML"), ("Description: x\n", "has no Resources section")],
)
def test_bad_templates(tmp_path, text, message):
    path = tmp_path / "template.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError, match=message):
        read_template(str(path))


def test_missing_template(tmp_path):
    with pytest.raises(TemplateError, match="cannot read template"):
        read_template(str(tmp_path / "none.yaml"))


def test_a_setting_that_is_not_a_number(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: !Ref Nope\n"
    )
    with pytest.raises(TemplateError, match=r"Fn\.Timeout must be a number, got 'Nope'"):
        read_template(str(path))
