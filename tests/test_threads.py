"""Eight different runs at once from eight threads give exactly what they give one at a time."""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tests.at_once import at_once
from rnncore import init_weights, run_dynamic, run_manual, run_static
from rnncore.tf.unroll_tf2 import run_keras, run_tf2


def config(run, batch, steps, n_inputs, n_neurons, seed, activation, with_lengths, **options):
    """One run: its own shapes, weights, inputs, lengths and path."""
    rng = np.random.default_rng(seed)
    w = init_weights(n_inputs, n_neurons, seed=seed, activation=activation)
    X = rng.standard_normal((batch, steps, n_inputs)).astype(np.float32)  # (batch, steps, inputs)
    lengths = rng.integers(0, steps + 1, batch) if with_lengths else None
    return lambda: run(X, w, lengths, **options)


CONFIGS = [
    config(run_static, 3, 4, 2, 5, seed=1, activation="tanh", with_lengths=True),
    config(run_dynamic, 5, 7, 3, 2, seed=2, activation="relu", with_lengths=False),
    config(run_dynamic, 2, 6, 4, 6, seed=3, activation="linear", with_lengths=True, swap_memory=True),
    config(run_manual, 4, 3, 1, 3, seed=4, activation="tanh", with_lengths=True, backend="tf1"),
    config(run_tf2, 1, 5, 5, 7, seed=5, activation="tanh", with_lengths=True, loop="unrolled"),
    config(run_tf2, 6, 8, 2, 4, seed=6, activation="relu", with_lengths=False, loop="while"),
    config(run_keras, 3, 2, 3, 3, seed=7, activation="linear", with_lengths=True, unroll=True),
    config(run_keras, 4, 5, 2, 1, seed=8, activation="tanh", with_lengths=True, unroll=False),
]


def test_eight_threads_at_once_give_the_serial_results():
    serial = [run() for run in CONFIGS]
    start = threading.Barrier(len(CONFIGS))

    def run_together(run):
        start.wait()  # all eight start building their graphs at the same moment
        return run()

    with ThreadPoolExecutor(max_workers=len(CONFIGS)) as pool:
        parallel = list(pool.map(run_together, CONFIGS))
    assert len(parallel) == 8
    for one_at_a_time, at_once in zip(serial, parallel):
        np.testing.assert_array_equal(at_once.outputs, one_at_a_time.outputs)
        np.testing.assert_array_equal(at_once.state, one_at_a_time.state)
    assert len({r.outputs.shape for r in serial}) == 8  # eight different configurations


def test_sessions_on_one_shared_lesson_graph_keep_their_own_weights():
    """The by-hand TF1 check reuses one finalized graph per shape: eight threads, eight seeds, one shape,
    each gets its own weights' outputs (the NumPy loop's), never a neighbour's."""
    from rnncore.tf.manual_tf1 import _finished_lesson_graph

    X = np.random.default_rng(0).standard_normal((4, 5, 3)).astype(np.float32)
    weights = [init_weights(3, 5, seed=seed) for seed in range(8)]
    results = {}

    def run(index):
        results[index] = run_manual(X, weights[index], backend="tf1").outputs

    assert at_once(run, len(weights)) == []
    for index, w in enumerate(weights):
        np.testing.assert_allclose(results[index], run_manual(X, w).outputs, atol=1e-6, rtol=1e-5)
    assert _finished_lesson_graph.cache_info().currsize >= 1
    assert _finished_lesson_graph(5, 3, 5, "tanh").graph.finalized
