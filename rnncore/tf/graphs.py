"""Measurements of the graph each TensorFlow path builds: how big, how slow to build, how fast to run.

Paths (name -> what it is):
    manual_tf1    the lesson's hand-built graph, a placeholder and a copy of the step per time step
    static        `static_rnn`: one copy of `BasicRNNCell` per step
    dynamic       `dynamic_rnn`: one cell inside a `while_loop`
    tf2_unrolled  `tf.function` over a Python loop (traced once per step)
    tf2_while     `tf.function` over `tf.range` (a `while_loop` in the graph)
    keras_unroll  Keras 3 `SimpleRNN(unroll=True)`
    keras_loop    Keras 3 `SimpleRNN(unroll=False)`

Operation counts are of the top-level graph: a TF2 `while_loop` keeps its body in the function
library, which is counted in `graphdef_bytes` (the whole serialized GraphDef) but not in `op_count`.
"""
from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from rnncore.config import MAX_BATCH, MAX_STEPS, RNNWeights
from rnncore.validate import check_int

PATHS = {
    "manual_tf1": "hand-built TF1 graph",
    "static": "static_rnn",
    "dynamic": "dynamic_rnn",
    "tf2_unrolled": "tf.function, Python loop",
    "tf2_while": "tf.function, tf.range loop",
    "keras_unroll": "Keras SimpleRNN unroll=True",
    "keras_loop": "Keras SimpleRNN unroll=False",
}
GROWING = ("manual_tf1", "static", "tf2_unrolled", "keras_unroll")  # one copy of the cell per step
MAX_SWEEP_POINTS = 12


@dataclass
class GraphStats:
    path: str
    steps: int
    op_count: int                       # operations in the top-level graph
    op_types: dict                      # operation type -> count
    graphdef_bytes: int                 # serialized GraphDef, function library included
    build_seconds: float                # building (TF1) or tracing (TF2) the graph
    first_run_seconds: float | None     # first call: includes TF's one-off graph optimisation (None: not run)
    steady_run_seconds: float | None    # median of the following calls (None: not run)
    nodes: list = field(repr=False)     # [(op name, op type)]
    edges: list = field(repr=False)     # [(from op name, to op name)]
    tensor_bytes: int | None = None     # bytes of tensors allocated in one run (TF1 paths, from a trace)


def _check_path(path) -> str:
    if path not in PATHS:
        raise ValueError(f"path must be one of {tuple(PATHS)}, got {path!r}")
    return path


def _graph_shape(graph) -> tuple[list, list, dict]:
    operations = graph.get_operations()
    nodes = [(op.name, op.type) for op in operations]
    edges = [(tensor.op.name, op.name) for op in operations for tensor in op.inputs]
    edges += [(control.name, op.name) for op in operations for control in op.control_inputs]
    return nodes, edges, dict(Counter(op.type for op in operations))


def timed_runs(run, runs: int) -> tuple[float, float]:
    """(seconds of the first call of `run`, median seconds of the `runs` calls after it)."""
    start = time.perf_counter()
    run()
    first = time.perf_counter() - start
    steady = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        steady.append(time.perf_counter() - start)
    return first, statistics.median(steady)


def _tf1_graph(path: str, steps: int, w: RNNWeights):
    from rnncore.tf.manual_tf1 import build_tf1
    from rnncore.tf.unroll_tf1 import build

    return build_tf1(steps, w) if path == "manual_tf1" else build(path, steps, w)


def measure(path: str, steps: int, w: RNNWeights, batch: int = 4, runs: int = 5, seed: int = 0,
            run: bool = True) -> GraphStats:
    """Build the graph of `path` for `steps` steps, run it, and measure it.

    `run=False` only builds (or traces) the graph: the run times and `tensor_bytes` are then None.
    """
    from rnncore.tf.runtime import tf

    _check_path(path)
    check_int("steps", steps, 1, MAX_STEPS)
    check_int("batch", batch, 1, MAX_BATCH)
    check_int("runs", runs, 1, 100)
    check_int("seed", seed, 0, 2**32 - 1)
    tf = tf()
    X = np.random.default_rng(seed).standard_normal((batch, steps, w.n_inputs)).astype(np.float32)
    tensor_bytes = first = steady = None
    start = time.perf_counter()
    if path in ("manual_tf1", "static", "dynamic"):
        built = _tf1_graph(path, steps, w)
        graph = built.graph
        build_seconds = time.perf_counter() - start
        graph_def = graph.as_graph_def()
        if run:
            with built.open_session() as sess:
                feed_dict = built.feed(X, None)
                first, steady = timed_runs(lambda: sess.run(built.fetches, feed_dict), runs)
                tensor_bytes = _traced_tensor_bytes(tf, sess, built.fetches, feed_dict)
    else:
        from rnncore.tf.unroll_tf2 import make_keras_function, make_tf2_function

        if path.startswith("tf2"):
            function = make_tf2_function(w, steps, path.removeprefix("tf2_"), with_lengths=False)
        else:
            function = make_keras_function(w, steps, unroll=path == "keras_unroll", with_lengths=False)
        concrete = function.get_concrete_function()
        graph = concrete.graph
        build_seconds = time.perf_counter() - start
        graph_def = graph.as_graph_def()
        if run:
            X_tensor = tf.constant(X)
            first, steady = timed_runs(lambda: concrete(X_tensor), runs)
    nodes, edges, op_types = _graph_shape(graph)
    return GraphStats(path, steps, len(nodes), op_types, graph_def.ByteSize(), build_seconds, first, steady,
                      nodes, edges, tensor_bytes)


def _traced_tensor_bytes(tf, sess, fetches, feed_dict) -> int:
    """Sum of the bytes allocated for every tensor one run produces, read from a full trace."""
    v1 = tf.compat.v1
    metadata = v1.RunMetadata()
    sess.run(fetches, feed_dict, options=v1.RunOptions(trace_level=v1.RunOptions.FULL_TRACE),
             run_metadata=metadata)
    return sum(output.tensor_description.allocation_description.allocated_bytes
               for device in metadata.step_stats.dev_stats
               for node in device.node_stats for output in node.output)


def sweep(paths, steps_list, w: RNNWeights, batch: int = 4, runs: int = 3, progress=None,
          run: bool = True) -> list[dict]:
    """Measure every path at every step count; tidy rows (no nodes/edges) that cache well.

    `progress(done, total, path, steps)`, if given, is called after each measurement. `run=False`
    measures the graphs without running them (run times and tensor bytes None), as `measure` does.
    """
    paths = [_check_path(path) for path in paths]  # all checked before the first (slow) measurement
    steps_list = sorted({check_int("steps", steps, 1, MAX_STEPS) for steps in steps_list})
    if not 1 <= len(steps_list) <= MAX_SWEEP_POINTS:
        raise ValueError(f"a sweep takes 1..{MAX_SWEEP_POINTS} step counts, got {len(steps_list)}")
    rows = []
    total = len(paths) * len(steps_list)
    for path in paths:
        for steps in steps_list:
            stats = measure(path, steps, w, batch=batch, runs=runs, run=run)
            rows.append({"path": path, "steps": steps, "op_count": stats.op_count,
                         "graphdef_bytes": stats.graphdef_bytes, "build_seconds": stats.build_seconds,
                         "first_run_seconds": stats.first_run_seconds,
                         "steady_run_seconds": stats.steady_run_seconds, "tensor_bytes": stats.tensor_bytes})
            if progress is not None:
                progress(len(rows), total, path, steps)
    return rows
