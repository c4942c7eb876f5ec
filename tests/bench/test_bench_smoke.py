"""The benchmark itself works: a tiny run measures every figure and prints the ratios.

Not a performance test (a 24-file inbox says nothing about speed); `make bench` is.
"""

import pytest

pytest.importorskip("pandas", reason="pip install -e '.[dev]' (bench extra)")
pytest.importorskip("psutil", reason="pip install -e '.[dev]' (bench extra)")

from bench.inbox import Size, ensure_inbox, inbox_files  # noqa: E402
from bench.run import Measure, main, median_of  # noqa: E402


@pytest.mark.parametrize(("text", "expected"), [
    ("1000", Size(1000, 1)), ("3k", Size(3000, 1)), ("all", Size(None, 1)),
    ("allx4", Size(None, 4)), ("10000x4", Size(10000, 4)),
])
def test_size_parse_reads_wards_and_quarters(text, expected):
    assert Size.parse(text) == expected


def test_ensure_inbox_writes_template_files_once(tmp_path):
    inbox, count = ensure_inbox(Size(6, 2), workers=1, out_dir=tmp_path)
    assert count == 12 and len(inbox_files(inbox)) == 12
    stamp = inbox_files(inbox)[0].stat().st_mtime_ns
    assert ensure_inbox(Size(6, 2), workers=1, out_dir=tmp_path) == (inbox, 12)  # cached
    assert inbox_files(inbox)[0].stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_bench_run_tiny_measures_everything_and_prints_ratios(tmp_path, prefect_harness,
                                                             capsys):
    from prefect.settings import PREFECT_API_URL

    # Against the session's running test server: a temporary server per run would cost ~10 s
    # each and say nothing more about whether the benchmark works.
    results = main(["--sizes", "24", "--prefect", "server", "--api-url",
                    PREFECT_API_URL.value(), "--out", str(tmp_path), "--no-pack"])
    printed = capsys.readouterr().out
    (result,) = results
    assert result.files == 24
    assert set(result.measures) == {"floor", "prefect_srv", "full_srv", "incremental_srv",
                                    "peer"}
    assert all(m.wall_s > 0 for m in result.measures.values())
    assert result.measures["full_srv"].peak_rss_mb > 0
    assert all(0 <= m.steal <= 1 for name, m in result.measures.items() if name != "peer")
    for expected in ("full ÷ floor", "peer ÷ full", "incremental", "peak RSS",
                     "incremental ÷ empty flow", "full ÷ floor (issue 13)",
                     "| 24x1 | 24 |", "steal ≤"):
        assert expected in printed
    assert list(tmp_path.glob("results-*.json"))
    print(printed)


def test_median_of_repeated_measures_keeps_the_middle_time_and_the_largest_memory():
    measures = [Measure("full", 9.0, 700, 10, steal=0.05), Measure("full", 30.0, 650, 10),
                Measure("full", 10.0, 900, 10, steal=0.3)]
    median = median_of(measures)
    assert (median.wall_s, median.peak_rss_mb, median.files) == (10.0, 900, 10)
    assert median.steal == 0.3  # the worst the machine was while measuring
    assert median.note == " (median of 3)"
    assert median_of(measures[:2]).wall_s == 19.5
