"""The result file: its structure (a hand check, no jsonschema), its table, its chart and its ratios."""

import copy
import struct
import subprocess
import sys
import zlib

import orjson
import pytest

from benchmarks.machine import REPO_ROOT
from benchmarks.report import markdown, readme_table
from benchmarks.schema import missing_figures, validate
from benchmarks.suite import write_results


def test_a_complete_document_conforms(result_doc):
    assert validate(result_doc) == []
    assert missing_figures(result_doc) == []


def test_the_document_survives_json(result_doc):
    assert validate(orjson.loads(orjson.dumps(result_doc))) == []


@pytest.mark.parametrize(
    ("damage", "complaint"),
    [
        (lambda d: d.pop("machine"), "missing key 'machine'"),
        (lambda d: d.__setitem__("schema", "other/9"), "result.schema"),
        (lambda d: d["git"].__setitem__("commit", 42), "result.git.commit"),
        (lambda d: d["machine"].pop("glibc"), "missing key 'glibc'"),
        (lambda d: d["cells"][0].__setitem__("status", "fine"), "status"),
        (lambda d: d["cells"][0]["cold"]["init_ms"].pop("p90"), "missing key 'p90'"),
        (lambda d: d["cells"][0]["cold"]["init_ms"].__setitem__("min", 1e9), "min <= median"),
        (lambda d: d["cells"][0]["cold"]["samples"]["init_ms"].append("fast"), "numbers or nulls"),
        (lambda d: d["cells"][1]["warm"].__setitem__("invokes_per_s", "many"), "invokes_per_s"),
        (lambda d: d["cells"][1]["warm"].pop("duration_us"), "missing key 'duration_us'"),
        (lambda d: d["cells"][1]["size"].__setitem__("zip_bytes", 1.5), "zip_bytes"),
        (lambda d: d["cells"][0]["ratios"]["awslambdaric"].pop("peak_rss"), "missing key 'peak_rss'"),
        (lambda d: d["reference"]["bare python"].pop("argv"), "missing key 'argv'"),
        (lambda d: d.__setitem__("cells", {}), "expected a list"),
    ],
)
def test_each_departure_is_reported(result_doc, damage, complaint):
    doc = copy.deepcopy(result_doc)
    damage(doc)
    errors = validate(doc)
    assert any(complaint in e for e in errors), errors


def test_a_document_that_is_not_an_object():
    assert validate([]) == ["result: expected an object, got list"]


def test_missing_rows_and_figures_are_listed(result_doc):
    doc = copy.deepcopy(result_doc)
    del doc["cells"][0]
    doc["cells"][0]["warm"] = None
    doc["cells"][1]["cold"]["samples"]["peak_rss_kb"][2] = None
    doc["cells"][2]["status"] = "failed"
    doc["cells"][2]["errors"] = ["cold start: boom"]
    missing = missing_figures(doc)
    assert "interpreted x hello: no row" in missing
    assert "interpreted x json: no warm figures" in missing
    assert "awslambdaric x hello: a cold start has no peak_rss_kb" in missing
    assert "awslambdaric x json: status failed (cold start: boom)" in missing


def test_ratios_are_paired_round_by_round(result_doc):
    cell = next(c for c in result_doc["cells"] if (c["variant"], c["workload"]) == ("interpreted", "hello"))
    # interpreted hello first response: 32, 33, 34, 35; awslambdaric hello: 42, 43, 44, 45
    expected = sorted(a / b for a, b in zip([32, 33, 34, 35], [42, 43, 44, 45], strict=True))
    ratios = cell["ratios"]["awslambdaric"]["first_response"]
    assert ratios["min"] == pytest.approx(expected[0])
    assert ratios["max"] == pytest.approx(expected[-1])
    assert ratios["n"] == 4
    assert "interpreted" not in cell["ratios"]


def test_the_table_has_a_row_per_cell_and_the_reference(result_doc):
    table = markdown(result_doc)
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 4 + 1  # header, 2 variants x 2 workloads, bare python
    assert "| interpreted | hello | 31.5 (30.0–32.7) | 33.5 (32.0–34.7) | 13.7 |" in table
    assert "Test CPU, 2 CPUs" in table
    assert "`python -m benchmarks --runs 4`" in table
    assert "Not measured" not in table


def test_the_warm_cpu_time_is_a_column_and_a_busy_machine_is_said(result_doc):
    assert "| 104 / 109 | 64 | 44 | 9000 |" in markdown(result_doc)  # round trip, Duration, CPU, rate
    assert "competed for the runtimes' CPU" not in markdown(result_doc)  # waits of 4.5 of 64.5 µs
    result_doc["cells"][1]["warm"]["wait_us"]["median"] = 20.0
    assert "a runtime waited up to 31% of its median Duration" in markdown(result_doc)


def test_a_result_without_warm_cpu_time_still_renders(result_doc):
    for cell in result_doc["cells"]:
        del cell["warm"]["cpu_us"], cell["warm"]["wait_us"]
    assert validate(result_doc) == []
    assert "| 104 / 109 | 64 | – | 9000 |" in markdown(result_doc)


def test_the_readme_table_is_regenerated_from_a_result_file(result_doc, tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes(orjson.dumps(result_doc))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.report", str(path)], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == readme_table(result_doc)
    rows = done.stdout.splitlines()
    assert rows[0].startswith("| variant | workload | spawn → first response, ms (median) | peak RSS MB |")
    # Workloads in the order measured, baselines as 1, ratios paired round by round.
    assert rows[2] == "| interpreted | hello | 33.5 | 13.7 | 1.0 kB | 0.77 / 0.93 | 1 |"
    assert rows[3] == "| awslambdaric | hello | 43.5 | 14.6 | 1.0 kB | 1 | 1.30 |"
    assert rows[4].startswith("| interpreted | json |")
    assert rows[-1].startswith("| bare python `python3")


def test_the_table_lists_what_is_missing(result_doc):
    result_doc["cells"][0]["status"] = "failed"
    result_doc["cells"][0]["errors"] = ["prepare: no compiler"]
    assert "- interpreted x hello: status failed (prepare: no compiler)" in markdown(result_doc)


def png_chunks(data: bytes):
    """(type, body) of each chunk of a PNG, checking every CRC."""
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        yield kind, body
        pos += 12 + length


def test_results_are_written_as_json_markdown_and_a_valid_png(result_doc, tmp_path):
    import datetime

    created = datetime.datetime(2026, 11, 26, 18, 0, tzinfo=datetime.timezone.utc)
    paths = write_results(result_doc, tmp_path / "out", created)
    assert paths["json"].name.startswith("2026-11-26-") and paths["json"].suffix == ".json"
    assert validate(orjson.loads(paths["json"].read_bytes())) == []
    assert paths["md"].read_text() == markdown(result_doc)
    data = paths["png"].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks = list(png_chunks(data))
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert width > 600 and height > 400
