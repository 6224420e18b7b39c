"""The benchmark's machinery works (tests/benchmark.py); no timing is asserted here: the benchmark measures speed."""
import pytest

from tests import benchmark
from tests.benchmark import PAGES, SWEEPS, Page, markdown, targets

from dashboard.registry import BY_PATH
from dashboard.settings import SETTINGS


def test_reference_page_rerenders_in_a_positive_time():
    assert benchmark.reference_rerender(repeats=1) > 0


def test_a_page_rerenders_after_its_slider_moves():
    assert benchmark.page_rerender("keras_lab", repeats=1) > 0


def test_a_slider_missing_from_the_page_is_an_error_not_a_rerun(monkeypatch):
    monkeypatch.setitem(PAGES, "keras_lab", Page("no_such_slider", (1, 2)))
    try:
        benchmark.page_rerender("keras_lab", repeats=1)
    except KeyError as error:
        assert "no_such_slider" in str(error)
    else:
        raise AssertionError("a missing slider key was not reported")


def test_pages_table_moves_real_settings_and_uses_their_maxima():
    assert set(PAGES) == set(BY_PATH)
    for name, page in PAGES.items():
        if page.key is None:
            assert name in ("overview", "class", "projector")
            continue
        s = SETTINGS[page.key]
        for value in (*page.values, *page.largest_values):
            assert s.low <= value <= s.high, (name, page.key, value)
        assert len(set(page.values)) == 2 and len(set(page.largest_values)) == 2, name
        for key, value in page.largest.items():
            if not isinstance(value, str):  # a size: the declared maximum
                assert value == SETTINGS[key].high, (name, key, value, SETTINGS[key].high)
        if page.key in page.largest:  # the moved slider is a size: it moves at its maximum
            assert SETTINGS[page.key].high in page.largest_values, name
    assert PAGES["unrolling"].largest["unr_metric"] in SETTINGS["unr_metric"].options
    assert max(largest for _, _, largest, _ in SWEEPS) == SETTINGS["unr_max_steps"].high


def _results(warm_ms=40.0, largest_ms=120.0, first_s=1.0, sessions_mb=900.0, growth_mb=3.0, cold_s=1.5):
    page = {"key": "seed", "warm_ms": warm_ms, "ratio": warm_ms / 20.0, "largest_ms": largest_ms,
            "keras_ms": warm_ms, "keras_ratio": warm_ms / 20.0, "first_s": first_s, "imports_tf": False, "tf": False}
    return {"when": "now", "machine": "2 cores", "load": "1.0", "repeats": 15, "reference_ms": 20.0,
            "reference_keras_ms": 20.0, "full_gc_ms": 100.0, "keras_early": False,
            "pages": [{"page": "lengths", **page},
                      {"page": "by_hand", **page, "first_s": 4.0, "imports_tf": True, "tf": True}],
            "sweeps": [{"what": "TF1 pair", "cold_s": cold_s, "cached_s": 0.001, "tf_import_s": 3.0,
                        "points": [1, 200]}],
            "memory": {"sessions": 30, "rerenders": 300, "idle_mb": 60.0, "one_session_mb": 800.0,
                       "many_sessions_mb": sessions_mb, "before_mb": 850.0, "after_mb": 850.0 + growth_mb,
                       "growth_mb": growth_mb, "round_trip_ms": 90.0, "session_pages": ["by_hand"]}}


def test_targets_are_met_by_figures_within_them():
    rows = targets(_results())
    assert len(rows) == 9
    assert all(met for _, _, met in rows), rows
    assert rows[0][1] == "worst lengths: 2.00x (40.0 ms vs 20.0 ms)"


def test_each_target_is_not_met_by_a_figure_over_it():
    rows = targets(_results(warm_ms=61.0, largest_ms=251.0, first_s=1.6, sessions_mb=1201.0, growth_mb=50.5,
                            cold_s=2.1))
    missed = {target for target, _, met in rows if met is False}
    assert len(missed) == 7, rows  # all but: no TF import where none is needed; TF pages' first render (4 s)
    text = markdown(_results(sessions_mb=1300.0))
    assert "| 30 sessions within 1.2 GB resident in total | 1300 MB | **NOT met** |" in text


def test_a_tf_free_page_that_imports_tensorflow_misses_its_target():
    results = _results()
    results["pages"][0]["imports_tf"] = True
    row = next(r for r in targets(results) if r[0].startswith("Pages that need no TensorFlow"))
    assert row == ("Pages that need no TensorFlow never import it", "imported by lengths", False)


def test_browser_round_trip_target_is_judged_against_the_reference_page():
    within = _results() | {"browser": {"repeats": 10, "reference_ms": 300.0,
                                       "pages": {"by_hand": {"key": "seed", "ms": 420.0},
                                                 "lengths": {"key": "seed", "ms": 350.0}}}}
    row = next(r for r in targets(within) if "round trip in a browser" in r[0])
    assert row[1:] == ("worst by_hand: 1.40x (420 ms vs 300 ms)", True)
    assert "| by_hand | `seed` | 420 | 1.40 |" in markdown(within)
    over = within | {"browser": within["browser"] | {"reference_ms": 160.0}}  # 420 / 160 = 2.6x
    assert next(r for r in targets(over) if "round trip in a browser" in r[0])[2] is False


@pytest.mark.browser
def test_browser_round_trips_are_measured_on_every_page_with_a_slider(monkeypatch):
    import concurrent.futures
    import os

    from tests.browser.conftest import CHROMIUM

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser`")
    monkeypatch.setattr(benchmark, "WARMUP", 0)
    # In a thread of its own: a session-wide Playwright browser of this pytest worker keeps its event loop
    # running in the main thread, where Playwright's sync API refuses to start.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        trips = pool.submit(benchmark.browser_round_trips, repeats=1, log=lambda line: None).result()
    assert trips["reference_ms"] > 0
    assert set(trips["pages"]) == {name for name, page in PAGES.items() if page.key is not None}
    assert all(row["ms"] > 0 for row in trips["pages"].values())
