"""The suite's corpus rows: each function is a workload with its own event, check and servers, and a run
over one that calls a server starts it, points the function at it and measures real answers."""

import argparse

import orjson
import pytest

from benchmarks.__main__ import add_arguments
from benchmarks.corpus_functions import CORPUS_WORKLOADS, FUNCTIONS, services_named
from benchmarks.report import markdown
from benchmarks.schema import missing_figures
from benchmarks.suite import run_suite
from benchmarks.variants import VARIANTS


def test_every_corpus_function_is_a_workload_with_pinned_requirements_an_event_and_a_check():
    assert len(CORPUS_WORKLOADS) == len(FUNCTIONS) >= 20
    for workload in CORPUS_WORKLOADS.values():
        assert (workload.source_dir / "app.py").is_file()
        pins = [x for x in workload.requirements.read_text().splitlines() if x and not x.startswith("#")]
        assert pins and all("==" in line for line in pins), workload.name
        orjson.loads(workload.event())
        with pytest.raises(ValueError, match=workload.name):
            workload.check(b'{"unexpected": true}')


def test_the_servers_a_function_calls_are_read_from_its_env_json():
    assert services_named("psycopg_postgres") == {"postgres"}
    assert services_named("boto3_dynamodb") == {"moto"}
    assert services_named("yaml_config") == set()
    workload = CORPUS_WORKLOADS["corpus-redis_cache"]
    workload.bind({"redis": "redis://127.0.0.1:6390/0"})
    assert workload.env == {"REDIS_URL": "redis://127.0.0.1:6390/0"}


def parsed(*args: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(args)


def test_corpus_selects_every_function_in_order_and_each_by_name():
    options = parsed("--workloads", "hello,corpus,corpus-yaml_config")
    assert options.workloads == ["hello", *CORPUS_WORKLOADS]
    assert parsed().workloads == ["hello", "json", "imports", "powertools", "boto3", "asgi"]


def test_a_corpus_row_that_calls_a_server_is_measured_against_it(tmp_path):
    workloads = [CORPUS_WORKLOADS["corpus-redis_cache"], CORPUS_WORKLOADS["corpus-yaml_config"]]
    variants = [VARIANTS["interpreted"], VARIANTS["awslambdaric"]]
    doc, paths = run_suite(
        variants, workloads, runs=2, warm_invokes=3, out_dir=tmp_path, command="test", quick=True,
        reference=False, say=lambda _: None,
    )  # fmt: skip
    assert missing_figures(doc) == []
    assert {cell["status"] for cell in doc["cells"]} == {"ok"}
    assert "corpus-redis_cache" in paths["md"].read_text()


def test_the_report_restates_the_corpus_goals_from_the_native_rows(result_doc):
    for cell in result_doc["cells"]:
        cell["workload"] = "corpus-" + cell["workload"]
        cell["variant"] = {"interpreted": "native"}.get(cell["variant"], cell["variant"])
    result_doc["variants"]["native"] = {"label": "native", "description": "x"}
    text = markdown(result_doc)
    assert "Corpus (2 functions, native ÷ awslambdaric): spawn → first response median" in text
    assert "goal ≤ 0.6×" in text
