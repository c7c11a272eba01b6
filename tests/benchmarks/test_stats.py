"""Statistics on fixed samples: the percentile rule stated in benchmarks/stats.py."""

import pytest

from benchmarks.stats import paired_ratios, percentile, summarize


def test_median_of_odd_and_even_samples():
    assert summarize([5, 1, 3])["median"] == 3
    assert summarize([4, 1, 3, 2])["median"] == 2.5


def test_percentiles_interpolate_between_closest_ranks():
    samples = list(range(1, 11))  # 1..10: rank h = 9 * q / 100
    assert percentile(samples, 90) == pytest.approx(9.1)
    assert percentile(samples, 99) == pytest.approx(9.91)
    assert percentile(samples, 0) == 1
    assert percentile(samples, 100) == 10


def test_summary_of_twenty_samples():
    samples = [float(x) for x in (12, 7, 30, 9, 8, 11, 10, 10, 9, 13, 8, 9, 14, 10, 11, 9, 8, 10, 100, 12)]
    s = summarize(samples)
    assert s["n"] == 20
    assert s["min"] == 7
    assert s["max"] == 100
    assert s["median"] == 10
    # sorted: ..., 14 (index 17), 30 (18), 100 (19); h = 19 * 0.9 = 17.1
    assert s["p90"] == pytest.approx(14 + 0.1 * (30 - 14))
    # h = 19 * 0.99 = 18.81
    assert s["p99"] == pytest.approx(30 + 0.81 * (100 - 30))
    assert s["mean"] == pytest.approx(sum(samples) / 20)


def test_single_sample():
    assert summarize([4.2]) == {
        "n": 1,
        "min": 4.2,
        "median": 4.2,
        "p90": 4.2,
        "p99": 4.2,
        "max": 4.2,
        "mean": 4.2,
    }


def test_empty_sample_and_bad_percentile_are_refused():
    with pytest.raises(ValueError, match="empty"):
        summarize([])
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_paired_ratios_skip_rounds_where_either_failed():
    assert paired_ratios([10, None, 30, 8], [5, 4, None, 0]) == [2.0]
    assert paired_ratios([3, 6], [2, 3]) == [1.5, 2.0]


def test_paired_ratios_need_aligned_rounds():
    with pytest.raises(ValueError, match="differ in length"):
        paired_ratios([1, 2], [1])
