"""Checklist 7: logging: the text line, JSON fields and order, level mapping, the runtime's own error line
(CR-joined, NBSP-indented), unbuffered stdout/stderr, and the framed telemetry fd."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from .support import JSON_FRAMES, TEXT_FRAMES, FrameReader, Shared, invoke, line_of, trace_entry, trace_lines

TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
JSON_TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
EXC_KEYS = ["stackTrace", "errorType", "errorMessage", "requestId", "location"]
LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Runtimes(Shared):
    """Shared runtimes of `logs.handler`, optionally writing to a telemetry pipe."""

    def __init__(self, launcher):
        super().__init__(launcher)
        self._framed = {}

    def framed(self, impl: str, **env):
        """(api, process, frame reader) for a runtime given a telemetry fd."""
        key = (impl, tuple(sorted(env.items())))
        if key not in self._framed:
            reader = FrameReader()
            env["_LAMBDA_TELEMETRY_LOG_FD"] = str(reader.write_fd)
            api, proc = self._launcher(impl, "logs.handler", env=env, pass_fds=(reader.write_fd,))
            reader.start()
            self._framed[key] = (api, proc, reader)
        return self._framed[key]


@pytest.fixture(scope="module")
def runtimes(module_launch):
    return Runtimes(module_launch)


def _tag():
    return uuid.uuid4().hex


def _run(api, do, tag, **headers):
    """Invoke `logs.handler` (or another handler reading `tag`) with one action; return the reply."""
    return invoke(api, {"do": do, "tag": tag}, **headers)


def _json_lines(proc, tag, count=1):
    proc.wait_stdout(r"(?s)" + (re.escape(tag) + ".*") * count)
    return [json.loads(line) for line in proc.stdout.splitlines() if tag in line]


def _nbsp_indent(line):
    stripped = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(stripped)) + stripped


def _without_carets(entry):
    kept = entry.splitlines(keepends=True)
    return "".join(text for text in kept if not re.fullmatch(r"\s*[\^~]+\s*", text))


def _fail_trace(proc):
    return trace_lines(proc, "logs.py", "logs-fail", "handler")


# -- text format ---------------------------------------------------------------------------------


def test_text_line_format(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler")
    tag = _tag()
    reply = _run(api, "root_warning", tag)
    proc.wait_stdout(rf"(?m)^\[WARNING\]\t{TS}\t{reply.request_id}\t{tag}$")


def test_default_level_is_warning(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler")
    tag = _tag()
    reply = _run(api, "levels", tag)
    proc.wait_stdout(rf"\[CRITICAL\]\t{TS}\t{reply.request_id}\tcritical {tag}\n")
    shown = [name for name in LEVELS if f"{name.lower()} {tag}" in proc.stdout]
    assert shown == ["WARNING", "ERROR", "CRITICAL"]


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        ("TRACE", LEVELS),
        ("DEBUG", LEVELS),
        ("INFO", LEVELS[1:]),
        ("info", LEVELS[1:]),
        ("WARN", LEVELS[2:]),
        ("ERROR", LEVELS[3:]),
        ("FATAL", LEVELS[4:]),
        ("NONSENSE", LEVELS[2:]),
    ],
)
def test_log_level_mapping(impl, runtimes, level, shown):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_LEVEL=level)
    tag = _tag()
    reply = _run(api, "levels", tag)
    proc.wait_stdout(rf"\[CRITICAL\]\t{TS}\t{reply.request_id}\tcritical {tag}\n")
    lines = [line for line in proc.stdout.splitlines() if line.endswith(f" {tag}")]
    assert [line.split("\t")[0] for line in lines] == [f"[{name}]" for name in shown]


def test_error_line_is_cr_joined_with_nbsp_indent(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler")
    tag = _tag()
    reply = _run(api, "fail", tag)
    assert reply.kind == "error"
    lines = [f"[ERROR] KeyError: '{tag}'", "Traceback (most recent call last):"]
    lines += [_nbsp_indent(line) for line in _fail_trace(proc)]
    proc.wait_stdout(r"(?:^|\n)" + re.escape("\r".join(lines) + "\n"))


def test_error_line_with_empty_message(impl, runtimes):
    api, proc = runtimes.get(impl, "errors.handler")
    invoke(api, {"case": "empty"})
    entry = [_nbsp_indent(line) for line in trace_lines(proc, "errors.py", "empty", "handler")]
    expected = "\r".join(["[ERROR] RuntimeError", "Traceback (most recent call last):", *entry]) + "\n"
    proc.wait_stdout(r"(?:^|\n)" + re.escape(expected))


def test_print_and_stderr_are_unbuffered(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler")
    tag = _tag()
    _run(api, "print", tag)
    # Written while the process keeps running: a buffered stream would hold these back.
    proc.wait_stdout(rf"(?m)^printed {tag}$", timeout=10)
    proc.wait_stderr(rf"(?m)^to stderr {tag}$", timeout=10)
    assert proc.running


def test_context_log_writes_the_message_as_is(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler")
    tag = _tag()
    _run(api, "context_log", f"context says {tag}")
    proc.wait_stdout(f"context says {tag}")


# -- JSON format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("log_format", ["JSON", "json"])
def test_json_line_fields_and_order(impl, runtimes, log_format):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT=log_format)
    tag = _tag()
    reply = _run(api, "extra", tag)
    (line,) = _json_lines(proc, tag)
    assert list(line) == ["timestamp", "level", "message", "logger", "requestId", "order_id", "customer"]
    assert re.fullmatch(JSON_TS, line["timestamp"])
    assert line == {
        "timestamp": line["timestamp"],
        "level": "WARNING",
        "message": f"with extra {tag}",
        "logger": "app",
        "requestId": reply.request_id,
        "order_id": 42,
        "customer": "ann",
    }


def test_json_line_carries_the_tenant_id(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT="JSON")
    tag = _tag()
    _run(api, "extra", tag, tenant_id="tenant-7")
    (line,) = _json_lines(proc, tag)
    assert list(line)[4:6] == ["requestId", "tenantId"]
    assert line["tenantId"] == "tenant-7"


def test_json_line_for_a_logged_exception(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT="JSON")
    tag = _tag()
    reply = _run(api, "exception", tag)
    (line,) = _json_lines(proc, tag)
    logged, _ = line_of("logs.py", "logged-exception")
    # traceback.format_tb entries; Python 3.11+ may add a line of carets under the source: drop it.
    line["stackTrace"] = [_without_carets(entry) for entry in line["stackTrace"]]
    assert line == {
        "timestamp": line["timestamp"],
        "level": "ERROR",
        "message": f"caught it {tag}",
        "logger": "app",
        "stackTrace": [trace_entry(proc, "logs.py", "logged-raise", "handler")],
        "errorType": "ValueError",
        "errorMessage": "logged failure",
        "requestId": reply.request_id,
        "location": f"{proc.code_dir / 'logs.py'}:handler:{logged}",
    }
    assert list(line) == ["timestamp", "level", "message", "logger", *EXC_KEYS]


def test_json_levels(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT="JSON", AWS_LAMBDA_LOG_LEVEL="INFO")
    tag = _tag()
    _run(api, "levels", tag)
    lines = _json_lines(proc, tag, count=4)
    assert [line["level"] for line in lines] == LEVELS[1:]


def test_json_error_line_for_a_failed_invoke(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT="JSON")
    tag = _tag()
    reply = _run(api, "fail", tag)
    (line,) = _json_lines(proc, tag)
    assert list(line) == ["timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert re.fullmatch(JSON_TS, line["timestamp"])
    assert line["level"] == "ERROR"
    assert (line["errorType"], line["errorMessage"]) == ("KeyError", f"'{tag}'")
    assert line["requestId"] == reply.request_id
    assert line["stackTrace"] == ["\n".join(_fail_trace(proc)) + "\n"]


# -- telemetry fd ----------------------------------------------------------------------------------


def _sane_timestamp(frame):
    now_us = time.time() * 1_000_000
    assert abs(frame.timestamp_us - now_us) < 600 * 1_000_000, "µs since the epoch"


def test_frame_layout_for_a_text_line(impl, runtimes):
    api, proc, reader = runtimes.framed(impl)
    tag = _tag()
    reply = _run(api, "root_warning", tag)
    frame = reader.containing(tag)
    assert frame.type == TEXT_FRAMES["NOTSET"]
    assert re.fullmatch(rf"\[WARNING\]\t{TS}\t{reply.request_id}\t{tag}\n", frame.text)
    _sane_timestamp(frame)
    assert tag not in proc.stdout


def test_the_fd_variable_is_removed(impl, runtimes):
    api, _, _ = runtimes.framed(impl)
    reply = _run(api, "env", "_LAMBDA_TELEMETRY_LOG_FD")
    assert json.loads(reply.body) is None


def test_print_is_not_framed(impl, runtimes):
    api, proc, reader = runtimes.framed(impl)
    tag = _tag()
    _run(api, "print", tag)
    proc.wait_stdout(f"printed {tag}")
    assert not [frame for frame in reader.frames if tag.encode() in frame.payload]


@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_context_log_is_one_default_frame(impl, runtimes, log_format):
    """`context.log` writes the message as it is, in the default (text) frame type, in either format."""
    api, _, reader = runtimes.framed(impl, AWS_LAMBDA_LOG_FORMAT=log_format)
    tag = _tag()
    _run(api, "context_log", f"raw {tag}")
    frame = reader.containing(tag)
    assert (frame.type, frame.text) == (TEXT_FRAMES["NOTSET"], f"raw {tag}")


def test_multiline_message_is_one_frame(impl, runtimes):
    api, _, reader = runtimes.framed(impl)
    tag = _tag()
    _run(api, "multiline", tag)
    frame = reader.containing(tag)
    assert frame.text.endswith(f"\tfirst {tag}\nsecond line\n")


def test_text_frames_by_level(impl, runtimes):
    api, _, reader = runtimes.framed(impl, AWS_LAMBDA_LOG_LEVEL="INFO")
    tag = _tag()
    _run(api, "levels", tag)
    reader.containing(f"critical {tag}")
    frames = [frame for frame in reader.frames if tag.encode() in frame.payload]
    assert [frame.type for frame in frames] == [TEXT_FRAMES[name] for name in LEVELS[1:]]


def test_json_frames_by_level(impl, runtimes):
    api, _, reader = runtimes.framed(impl, AWS_LAMBDA_LOG_FORMAT="JSON", AWS_LAMBDA_LOG_LEVEL="TRACE")
    tag = _tag()
    _run(api, "levels", tag)
    reader.containing(f"critical {tag}")
    frames = [frame for frame in reader.frames if tag.encode() in frame.payload]
    assert [frame.type for frame in frames] == [JSON_FRAMES[name] for name in LEVELS]
    assert [json.loads(frame.payload)["level"] for frame in frames] == LEVELS


def test_text_error_frame(impl, runtimes):
    api, proc, reader = runtimes.framed(impl)
    tag = _tag()
    _run(api, "fail", tag)
    frame = reader.containing(f"KeyError: '{tag}'")
    lines = [f"[ERROR] KeyError: '{tag}'", "Traceback (most recent call last):"]
    lines += [_nbsp_indent(line) for line in _fail_trace(proc)]
    assert (frame.type, frame.text) == (TEXT_FRAMES["ERROR"], "\n".join(lines))


def test_json_error_frame(impl, runtimes):
    api, _, reader = runtimes.framed(impl, AWS_LAMBDA_LOG_FORMAT="JSON")
    tag = _tag()
    reply = _run(api, "fail", tag)
    frame = reader.containing(f"'{tag}'")
    assert frame.type == JSON_FRAMES["ERROR"]
    doc = json.loads(frame.payload)
    assert list(doc) == ["timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace"]
    assert (doc["level"], doc["requestId"]) == ("ERROR", reply.request_id)


def test_json_dict_message_stays_an_object(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT="JSON")
    tag = _tag()
    _run(api, "dict_message", tag)
    (line,) = _json_lines(proc, tag)
    assert line["message"] == {"event": "dict message", "tag": tag}


def test_json_unserialisable_extra_becomes_its_str(impl, runtimes):
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT="JSON")
    tag = _tag()
    _run(api, "odd_extra", tag)
    (line,) = _json_lines(proc, tag)
    assert line["message"] == f"odd extra {tag}"
    assert line["when"] == "2026-01-02"


# -- logging set up by the function's own code -----------------------------------------------------


def test_logging_at_import_and_basic_config(impl, launch):
    """Lines logged during init carry an empty request id; `basicConfig` adds no second handler."""
    api, proc = launch(impl, "import_logs.handler")
    proc.wait_stdout(rf"^\[WARNING\]\t{TS}\t\tlogged at import\n")
    tag = _tag()
    reply = _run(api, "-", tag)
    proc.wait_stdout(rf"(?m)^\[WARNING\]\t{TS}\t{reply.request_id}\twarning {tag}$")
    assert f"info {tag}" not in proc.stdout, "basicConfig(level=INFO) must not have changed the level"
    assert proc.stderr == ""
    assert proc.stdout.count("logged at import") == 1


def test_level_set_by_the_function_wins(impl, launch):
    api, proc = launch(impl, "set_level.handler")
    tag = _tag()
    reply = _run(api, "-", tag)
    proc.wait_stdout(rf"(?m)^\[INFO\]\t{TS}\t{reply.request_id}\tinfo {tag}$")
    assert f"debug {tag}" not in proc.stdout


@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_logging_first_imported_inside_the_handler(impl, launch, log_format):
    api, proc = launch(impl, "lazy_logging.handler", env={"AWS_LAMBDA_LOG_FORMAT": log_format})
    tag = _tag()
    reply = _run(api, "-", tag)
    if log_format == "JSON":
        (line,) = _json_lines(proc, tag)
        assert (line["level"], line["logger"], line["requestId"]) == ("WARNING", "lazy", reply.request_id)
    else:
        proc.wait_stdout(rf"(?m)^\[WARNING\]\t{TS}\t{reply.request_id}\tlazy {tag}$")
    assert proc.stderr == ""


def test_non_ascii_is_written_as_utf8(impl, runtimes):
    api, proc = runtimes.get(impl, "errors.handler")
    invoke(api, {"case": "unicode"})
    proc.wait_stdout("\\[ERROR\\] ValueError: héllo ☃\r")
    api, proc = runtimes.get(impl, "logs.handler", AWS_LAMBDA_LOG_FORMAT="JSON")
    tag = f"héllo-{_tag()}"
    _run(api, "root_warning", tag)
    proc.wait_stdout(f'"{tag}"')  # not \u-escaped
    assert tag.encode() in proc.stdout_bytes
