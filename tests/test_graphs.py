"""From measured graphs: an unrolled graph grows by the same number of operations per step, a loop does not."""
import math

import pytest

from rnncore import init_weights
from rnncore.config import MAX_BATCH, MAX_STEPS
from rnncore.tf.graphs import GROWING, PATHS, measure, sweep

STEPS = (1, 2, 5, 10)
LOOPS = tuple(path for path in PATHS if path not in GROWING)
PAIRS = [("static", "dynamic"), ("tf2_unrolled", "tf2_while"), ("keras_unroll", "keras_loop")]
TF1_PATHS = ("manual_tf1", "static", "dynamic")
W = init_weights(3, 5, seed=42)


@pytest.fixture(scope="module")
def stats():
    """GraphStats for every path at every step count in STEPS, measured once for the module."""
    return {(path, steps): measure(path, steps, W, runs=1) for path in PATHS for steps in STEPS}


def op_counts(stats, path):
    return [stats[path, steps].op_count for steps in STEPS]


def test_every_path_is_classified():
    assert set(GROWING) < set(PATHS) and set(LOOPS) == {"dynamic", "tf2_while", "keras_loop"}
    assert {path for pair in PAIRS for path in pair} | {"manual_tf1"} == set(PATHS)


@pytest.mark.parametrize("path", GROWING)
def test_unrolled_graphs_grow_exactly_linearly(stats, path):
    """op_count(T) = a + k*T with the same k > 0 operations per step, at every T measured."""
    counts = op_counts(stats, path)
    per_step = counts[1] - counts[0]
    base = counts[0] - per_step
    assert per_step > 0
    assert counts == [base + per_step * steps for steps in STEPS]


@pytest.mark.parametrize("path", LOOPS)
def test_loops_keep_one_graph_whatever_the_steps(stats, path):
    assert len(set(op_counts(stats, path))) == 1
    assert all(stats[path, steps].op_types == stats[path, 1].op_types for steps in STEPS)
    assert any(op_type in ("While", "StatelessWhile") for op_type in stats[path, 1].op_types)


@pytest.mark.parametrize("unrolled, loop", PAIRS)
def test_each_pair_contrasts(stats, unrolled, loop):
    """At 10 steps the unrolled graph has grown by 9 steps' worth of operations; the loop by none."""
    grown = stats[unrolled, 10].op_count - stats[unrolled, 1].op_count
    assert grown == 9 * (stats[unrolled, 2].op_count - stats[unrolled, 1].op_count) > 0
    assert stats[loop, 10].op_count == stats[loop, 1].op_count


@pytest.mark.parametrize("path, matmuls_per_step, extra", [
    ("manual_tf1", 2, -1),   # X_t @ Wx and Y(t-1) @ Wy, but no Y(-1) @ Wy at t = 0
    ("static", 1, 0),        # BasicRNNCell: [X_t, Y(t-1)] @ [Wx; Wy]
    ("tf2_unrolled", 2, 0),
    ("keras_unroll", 2, 0),
])
def test_unrolled_graphs_hold_the_step_once_per_time_step(stats, path, matmuls_per_step, extra):
    assert [stats[path, steps].op_types["MatMul"] for steps in STEPS] == \
        [matmuls_per_step * steps + extra for steps in STEPS]


def test_lesson_graph_has_one_placeholder_per_step(stats):
    assert [stats["manual_tf1", steps].op_types["Placeholder"] for steps in STEPS] == list(STEPS)


@pytest.mark.parametrize("path", PATHS)
def test_stats_are_consistent(stats, path):
    for steps in STEPS:
        s = stats[path, steps]
        names = [name for name, _ in s.nodes]
        assert (s.path, s.steps) == (path, steps)
        assert s.op_count == len(s.nodes) == len(set(names)) == sum(s.op_types.values())
        assert sorted(s.op_types.items()) == sorted(
            (op_type, sum(1 for _, t in s.nodes if t == op_type)) for op_type in s.op_types)
        assert all(source in names and target in names for source, target in s.edges)
        assert all(sum(target == name for _, target in s.edges) >= 2  # both operands drawn
                   for name, op_type in s.nodes if op_type == "MatMul")
        assert s.graphdef_bytes > 0
        for seconds in (s.build_seconds, s.first_run_seconds, s.steady_run_seconds):
            assert math.isfinite(seconds) and seconds >= 0
        if path in TF1_PATHS:
            assert s.tensor_bytes > 0
        else:
            assert s.tensor_bytes is None


@pytest.mark.parametrize("path", GROWING)
def test_unrolled_graphs_serialize_bigger_with_steps(stats, path):
    sizes = [stats[path, steps].graphdef_bytes for steps in STEPS]
    assert sizes == sorted(set(sizes))


def test_dynamic_allocates_more_tensor_bytes_for_more_steps(stats):
    """The loop's graph stays the same size, but a run still produces a tensor per step."""
    sizes = [stats["dynamic", steps].tensor_bytes for steps in STEPS]
    assert sizes == sorted(set(sizes))


def test_sweep_rows_are_tidy_and_report_progress(stats):
    calls = []
    rows = sweep(["static", "tf2_while"], [5, 1, 5], W, runs=1,
                 progress=lambda done, total, path, steps: calls.append((done, total, path, steps)))
    assert [(row["path"], row["steps"]) for row in rows] == \
        [("static", 1), ("static", 5), ("tf2_while", 1), ("tf2_while", 5)]
    assert calls == [(i + 1, 4, row["path"], row["steps"]) for i, row in enumerate(rows)]
    assert all(set(row) == {"path", "steps", "op_count", "graphdef_bytes", "build_seconds",
                            "first_run_seconds", "steady_run_seconds", "tensor_bytes"} for row in rows)
    for row in rows:  # the same graph as measure() builds
        assert row["op_count"] == stats[row["path"], row["steps"]].op_count
        assert (row["tensor_bytes"] is None) == (row["path"] == "tf2_while")
    # (TF2 graphs name their functions with a process-wide counter, so only static's bytes are stable)
    assert [row["graphdef_bytes"] for row in rows[:2]] == [stats["static", 1].graphdef_bytes,
                                                           stats["static", 5].graphdef_bytes]


@pytest.mark.parametrize("bad, message", [
    (dict(path="scan", steps=3), "path must be one of"),
    (dict(path="static", steps=0), f"steps must be in 1..{MAX_STEPS}, got 0"),
    (dict(path="static", steps=MAX_STEPS + 1), f"steps must be in 1..{MAX_STEPS}, got {MAX_STEPS + 1}"),
    (dict(path="static", steps=3, runs=0), "runs must be in 1..100, got 0"),
    (dict(path="static", steps=3, batch=0), f"batch must be in 1..{MAX_BATCH}, got 0"),
    (dict(path="static", steps=3, batch=10**6), f"batch must be in 1..{MAX_BATCH}, got 1000000"),
    (dict(path="static", steps=3, seed=-1), "seed must be in 0..4294967295, got -1"),
])
def test_measure_refuses_bad_arguments(bad, message):
    with pytest.raises(ValueError, match=message):
        measure(w=W, **bad)


@pytest.mark.parametrize("steps_list", [[], list(range(1, 14))])
def test_sweep_refuses_too_few_or_too_many_points(steps_list):
    with pytest.raises(ValueError, match=f"got {len(steps_list)}"):
        sweep(["static"], steps_list, W)


@pytest.mark.parametrize("paths, steps_list, message", [
    (["static", "scan"], [1], "path must be one of .*'scan'"),   # refused before static is measured
    (["static"], [1, 2.5], f"steps must be an integer in 1..{MAX_STEPS}, got 2.5"),   # was truncated to 2
    (["static"], [1, MAX_STEPS + 1], f"steps must be in 1..{MAX_STEPS}, got {MAX_STEPS + 1}"),
])
def test_sweep_refuses_a_bad_path_or_step_count_before_measuring(paths, steps_list, message):
    measured = []
    with pytest.raises(ValueError, match=message):
        sweep(paths, steps_list, W, progress=lambda *args: measured.append(args))
    assert measured == []
