"""`static_rnn` and `dynamic_rnn` (BasicRNNCell loaded with Wx, Wy, b) against the NumPy reference."""
import numpy as np
import pytest

from tests.cases import assert_matches_reference, random_case
from rnncore import init_weights, run_dynamic, run_static
from rnncore.tf.unroll_tf1 import build

RUNS = {
    "static": run_static,
    "dynamic": run_dynamic,
    "dynamic_swap": lambda X, w, lengths: run_dynamic(X, w, lengths, swap_memory=True),
}
SEEDS = range(12)  # odd seeds with lengths, even without


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", RUNS)
def test_agrees_with_the_reference(path, seed):
    X, w, lengths = random_case(seed, with_lengths=seed % 2 == 1)
    assert_matches_reference(RUNS[path](X, w, lengths), X, w, lengths)


@pytest.mark.parametrize("path", RUNS)
def test_lengths_at_both_ends(path):
    """All empty: zero outputs and state. All full: the same numbers as no lengths at all."""
    w = init_weights(2, 3, seed=4, activation="relu")
    X = np.random.default_rng(4).standard_normal((3, 5, 2)).astype(np.float32)
    empty = RUNS[path](X, w, [0, 0, 0])
    assert not empty.outputs.any() and not empty.state.any()
    full, without = RUNS[path](X, w, [5, 5, 5]), RUNS[path](X, w, None)
    np.testing.assert_array_equal(full.outputs, without.outputs)
    np.testing.assert_array_equal(full.state, without.state)
    assert_matches_reference(without, X, w)


def test_lesson_call_with_a_list_and_lengths():
    """The README's call: plain lists in, lengths [2, 1, 2, 2]."""
    w = init_weights(n_inputs=3, n_neurons=5, seed=42)
    X = [[[0, 1, 2], [9, 8, 7]], [[3, 4, 5], [0, 0, 0]], [[6, 7, 8], [6, 5, 4]], [[9, 0, 1], [3, 2, 1]]]
    r = run_dynamic(X, w, sequence_length=[2, 1, 2, 2])
    assert_matches_reference(r, np.array(X, np.float32), w, [2, 1, 2, 2])
    np.testing.assert_array_equal(r.state[1], r.outputs[1, 0])


def test_each_build_has_its_own_graph():
    w = init_weights(2, 3, seed=0)
    first, second = build("static", 3, w), build("static", 3, w)
    assert first.graph is not second.graph
    assert len(first.graph.get_operations()) == len(second.graph.get_operations())


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind.*'bidirectional'"):
        build("bidirectional", 3, init_weights(2, 3, seed=0))


def test_a_run_closes_its_session_and_never_uses_the_default_graph(monkeypatch):
    from rnncore.tf.session import BuiltGraph
    from rnncore.tf.runtime import tf

    opened, open_session = [], BuiltGraph.open_session
    monkeypatch.setattr(BuiltGraph, "open_session",
                        lambda self, **options: opened.append(open_session(self, **options)) or opened[-1])
    default_ops = len(tf().compat.v1.get_default_graph().get_operations())
    X, w, lengths = random_case(1, with_lengths=True)
    assert_matches_reference(run_static(X, w, lengths), X, w, lengths)
    assert_matches_reference(run_dynamic(X, w, None), X, w)
    assert len(opened) == 2 and all(sess._closed for sess in opened)
    assert len(tf().compat.v1.get_default_graph().get_operations()) == default_ops

