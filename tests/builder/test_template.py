"""The examples' SAM templates lint clean; examples/hello/template.yaml deploys the zip build.py writes."""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT

TEMPLATE = os.path.join(ROOT, "examples", "hello", "template.yaml")
TEMPLATES = sorted(glob.glob(os.path.join(ROOT, "examples", "*", "template.yaml")))


class Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref ...) read as plain values."""


Loader.add_multi_constructor("!", lambda loader, suffix, node: loader.construct_scalar(node))


@pytest.mark.parametrize("template", TEMPLATES, ids=[os.path.basename(os.path.dirname(t)) for t in TEMPLATES])
def test_cfn_lint_passes_on_every_example(template):
    cfn_lint = os.path.join(os.path.dirname(sys.executable), "cfn-lint")
    result = subprocess.run([cfn_lint, template], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploys_the_built_zip_on_provided_al2023():
    with open(TEMPLATE) as f:
        template = yaml.load(f, Loader=Loader)
    [function] = template["Resources"].values()
    properties = function["Properties"]
    assert function["Type"] == "AWS::Serverless::Function"
    assert properties["Runtime"] == "provided.al2023"
    assert properties["Handler"] == "app.handler"
    assert properties["Architectures"] == ["x86_64"]
    # SAM resolves CodeUri from the template's folder: it must land on the zip `python build.py` writes.
    code = os.path.normpath(os.path.join(os.path.dirname(TEMPLATE), properties["CodeUri"]))
    assert code == os.path.join(ROOT, "dist", "function.zip")
    assert properties["MemorySize"] >= 128 and properties["Timeout"] >= 1
