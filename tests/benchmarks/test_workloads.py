"""The workloads: each event is what its handler expects, each check tells the right answer from others,
and the real-function workloads answer correctly on the interpreted runtime and on awslambdaric."""

import orjson
import pytest

from benchmarks import harness
from benchmarks.variants import VARIANTS
from benchmarks.workloads import WORKLOADS, http_api_event

# The workloads built on installed libraries that real functions use (pip installs from PyPI).
REAL_FUNCTIONS = ("powertools", "boto3", "asgi")


def test_every_workload_has_a_handler_folder_an_event_and_a_check():
    for workload in WORKLOADS.values():
        assert (workload.source_dir / "app.py").is_file(), workload.name
        orjson.loads(workload.event())
        with pytest.raises(ValueError, match=workload.name):
            workload.check(b'{"unexpected": true}')
        with pytest.raises(ValueError, match="not JSON"):
            workload.check(b"<html>")


@pytest.mark.parametrize("name", REAL_FUNCTIONS)
def test_real_function_workloads_pin_every_requirement(name):
    lines = WORKLOADS[name].requirements.read_text().splitlines()
    pins = [line for line in lines if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)


def test_an_http_api_event_carries_method_path_query_and_body():
    event = orjson.loads(http_api_event("POST", "/orders", query="a=1&b=2", body='{"x": 1}'))
    assert event["version"] == "2.0"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/orders"
    assert event["queryStringParameters"] == {"a": "1", "b": "2"}
    assert event["body"] == '{"x": 1}'


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("powertools", {"statusCode": 422, "body": '{"item": "tea", "quantity": 2}'}),
        ("powertools", {"statusCode": 201, "body": '{"item": "tea", "quantity": 3}'}),
        ("asgi", {"statusCode": 200, "body": "not json"}),
        ("boto3", {"url": "https://orders.s3.amazonaws.com/orders/ord-20261126-0001.json", "signed": False,
                   "region": "us-east-1", "table": "orders"}),
    ],
)  # fmt: skip
def test_a_wrong_answer_of_a_real_function_is_refused(name, wrong):
    with pytest.raises(ValueError, match="unexpected response"):
        WORKLOADS[name].check(orjson.dumps(wrong))


def test_the_boto3_workload_never_asks_the_metadata_service():
    assert WORKLOADS["boto3"].env == {"AWS_EC2_METADATA_DISABLED": "true"}


@pytest.mark.parametrize("variant", ["interpreted", "awslambdaric"])
@pytest.mark.parametrize("name", REAL_FUNCTIONS)
def test_real_function_workloads_answer_correctly(name, variant):
    workload = WORKLOADS[name]
    prepared = VARIANTS[variant].prepare(workload)
    sample = harness.cold_start(prepared, workload, workload.event(), 128, None)  # checks the answer
    assert 0 < sample.init_ms < sample.first_response_ms
    assert sample.peak_rss_kb > 10_000
