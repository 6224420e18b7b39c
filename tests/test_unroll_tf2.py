"""TF2 `tf.function` (traced Python loop, `tf.range` loop) and Keras 3 `SimpleRNN` against the reference."""
import numpy as np
import pytest

from tests.cases import assert_matches_reference, random_case
from rnncore import init_weights
from rnncore.tf.unroll_tf2 import make_tf2_function, run_keras, run_tf2

RUNS = {
    "tf2_unrolled": lambda X, w, lengths: run_tf2(X, w, lengths, loop="unrolled"),
    "tf2_while": lambda X, w, lengths: run_tf2(X, w, lengths, loop="while"),
    "keras_unroll": lambda X, w, lengths: run_keras(X, w, lengths, unroll=True),
    "keras_loop": lambda X, w, lengths: run_keras(X, w, lengths, unroll=False),
}
SEEDS = range(100, 112)  # odd seeds with lengths, even without; other cases than test_unroll_tf1's


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", RUNS)
def test_agrees_with_the_reference(path, seed):
    X, w, lengths = random_case(seed, with_lengths=seed % 2 == 1)
    assert_matches_reference(RUNS[path](X, w, lengths), X, w, lengths)


@pytest.mark.parametrize("path", RUNS)
def test_lengths_at_both_ends(path):
    """All empty: zero outputs and state (Keras would repeat the last output). All full: as no lengths."""
    w = init_weights(2, 3, seed=4, activation="linear")
    X = np.random.default_rng(4).standard_normal((3, 5, 2)).astype(np.float32)
    empty = RUNS[path](X, w, [0, 0, 0])
    assert not empty.outputs.any() and not empty.state.any()
    full, without = RUNS[path](X, w, [5, 5, 5]), RUNS[path](X, w, None)
    np.testing.assert_allclose(full.outputs, without.outputs, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(full.state, without.state, rtol=1e-6, atol=1e-6)
    assert_matches_reference(without, X, w)


def test_keras_masks_give_zeros_past_each_length_not_the_last_output():
    w = init_weights(2, 4, seed=9)
    X = np.random.default_rng(9).standard_normal((2, 4, 2)).astype(np.float32)
    for unroll in (True, False):
        r = run_keras(X, w, [1, 3], unroll=unroll)
        assert not r.outputs[0, 1:].any() and not r.outputs[1, 3:].any()
        np.testing.assert_array_equal(r.state, [r.outputs[0, 0], r.outputs[1, 2]])


def test_unknown_loop_is_refused():
    with pytest.raises(ValueError, match="loop.*'scan'"):
        make_tf2_function(init_weights(2, 3, seed=0), 3, "scan", with_lengths=False)
