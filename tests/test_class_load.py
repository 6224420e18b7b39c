"""tests/class_load.py: its arithmetic, and a smoke run against a live server (no browser): two students
open a TensorFlow-free page and move one slider each, and every figure comes back a number, with no error."""
from __future__ import annotations

import math

import pytest

from tests.at_once import run_async
from tests.class_load import check_wire, live_server, markdown, parse_classes, percentile, run_class, url_number


def test_percentiles_are_nearest_rank():
    waits = [0.1 * i for i in range(1, 21)]  # 0.1 .. 2.0
    assert percentile(waits, 50) == pytest.approx(1.0)
    assert percentile(waits, 95) == pytest.approx(1.9)
    assert percentile([0.3], 95) == 0.3


def test_class_sizes_and_url_numbers():
    assert parse_classes("30") == (1, 10, 20, 30)
    assert parse_classes("1,5,12") == (1, 5, 12)
    assert (url_number(43.0), url_number(0.95)) == ("43", "0.95")  # as the browser writes them


def test_the_wire_fields_the_tool_reads_exist():
    check_wire()


def test_two_students_move_a_slider_on_a_live_server():
    with live_server(None, None) as (base_url, server):
        assert server is not None, "the tool found no server process to measure"
        figures = run_async(run_class(base_url, 2, "/lengths?steps=5", ("seed",), moves=1, server=server, idle=3))
    assert figures["connect_errors"] == []
    for action in ("open", "slider"):
        assert figures[action]["count"] == 2 and figures[action]["errors"] == 0, figures[action]["first_error"]
        for name in ("p50_s", "p95_s", "max_s"):
            assert math.isfinite(figures[action][name]) and figures[action][name] > 0
    assert figures["idle"] == 3 and figures["idle_errors"] == []
    assert figures["memory_mb"] > 50 and figures["peak_memory_mb"] >= figures["memory_mb"]
    assert math.isfinite(figures["server_cores"]) and figures["server_cores"] >= 0
    assert math.isfinite(figures["cpu_ms_per_rerun"]) and figures["cpu_ms_per_rerun"] >= 0  # server CPU / reruns
    report = {"when": "now", "machine": "here", "load": "0", "link": "/lengths?steps=5", "sliders": ["seed"],
              "moves": 1, "same": False, "target_s": 1.0, "classes": [figures], "largest_within_target": 2}
    assert "| 2 (+3 idle) | slider | 2 |" in markdown(report)


def test_three_students_follow_the_instructor_to_the_experiment(tmp_path):
    """The follow action: a class joined on /class is sent to the question's experiment through the store;
    each student's polling page opens it, with the banner and the question's settings."""
    from tests.class_load import follow_check, follow_markdown

    database = f"sqlite:///{tmp_path / 'lab.sqlite3'}"
    with live_server(None, None, {"RECURRENCE_LAB_DATABASE_URL": database}) as (base_url, _):
        figures = run_async(follow_check(base_url, 3, database, log=lambda line: None))
    assert figures["count"] == 3 and figures["errors"] == 0, figures["first_error"]
    assert figures["page"] == "memory" and 0 < figures["p50_s"] <= figures["max_s"] < 60
    assert "| 3 |" in follow_markdown(figures)
