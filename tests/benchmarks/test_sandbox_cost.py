"""`python -m benchmarks.sandbox_cost`: cold starts with and without Lambda's sandbox, alternately."""

from __future__ import annotations

from benchmarks.sandbox_cost import main, measure
from tests.emulator.conftest import SH_RUNTIME


def test_each_cold_start_is_measured_both_ways():
    times = measure(SH_RUNTIME, 2, b"{}", None)
    for sandbox in (False, True):
        cold, init = times[sandbox]["cold_start"], times[sandbox]["init"]
        assert len(cold) == len(init) == 2
        assert all(0 < i < c for i, c in zip(init, cold, strict=True))  # the init is part of the cold start


def test_the_table_has_both_rows_and_their_difference(capsys):
    assert main([str(SH_RUNTIME), "--runs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("1 cold starts each way, interleaved; medians in ms")
    assert [line.split()[0] for line in lines[2:]] == ["--no-sandbox", "sandbox", "added"]
