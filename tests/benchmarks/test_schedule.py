"""The round-robin order of cold starts."""

from collections import Counter

import pytest

from benchmarks.schedule import round_robin


def test_every_round_visits_every_cell_once():
    order = list(round_robin(["a", "b", "c"], 4))
    assert len(order) == 12
    for r in range(4):
        assert sorted(cell for rr, cell in order if rr == r) == ["a", "b", "c"]


def test_rounds_run_in_order_and_the_start_rotates():
    order = list(round_robin(["a", "b", "c"], 3))
    assert [r for r, _ in order] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [cell for _, cell in order] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]


def test_no_cell_always_follows_the_same_neighbour():
    order = [cell for _, cell in round_robin(["a", "b", "c"], 6)]
    predecessors = Counter((order[i - 1], order[i]) for i in range(1, len(order)) if order[i] == "a")
    assert len(predecessors) > 1


def test_zero_rounds_and_negative_rounds():
    assert list(round_robin(["a"], 0)) == []
    with pytest.raises(ValueError, match="rounds"):
        list(round_robin(["a"], -1))
