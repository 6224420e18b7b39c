"""The BPTT page's pure helpers: the filled-in step back agrees with rnncore.bptt, frames and sentences."""
import numpy as np
import pytest

from tests.cases import random_case
from dashboard.sections import bptt as view
from rnncore import bptt, init_weights


@pytest.mark.parametrize("seed", range(6))  # tanh, relu, linear; ragged batches on odd seeds
def test_the_filled_in_sum_is_rnncores_error_one_step_back(seed):
    X, w, lengths = random_case(seed, with_lengths=False)
    r = bptt.backprop(X, w)
    batch, steps, neurons = r.error.shape
    for t in range(steps):
        s = view.step_back(r, batch - 1, t, neurons - 1)
        assert s.agrees
        assert s.slope == r.slope[batch - 1, t, neurons - 1]
        latex = view.step_back_latex(s, w.activation)
        assert latex.startswith(r"\begin{aligned}") and (r"\sum_j" in latex) == (t > 0)
        if t == 0:
            assert s.reference is None


def test_step_back_refuses_an_index_outside_the_run():
    r = bptt.backprop(np.ones((2, 3, 3), np.float32), init_weights())
    with pytest.raises(ValueError, match="must lie within"):
        view.step_back(r, 2, 0, 0)


def test_frames_and_table_follow_rnncore():
    X = np.random.default_rng(1).standard_normal((3, 6, 3)).astype(np.float32)
    r = bptt.backprop(X, init_weights(scale=0.7))
    panels = view.panels_frame(r)
    total = panels[panels["panel"] == "sum = dL/dWy"].sort_values(["row", "col"])
    np.testing.assert_allclose(total["value"], r.dWy.ravel())
    assert panels["order"].nunique() == 7
    norms = view.norms_frame(r)
    assert set(norms["weight"]) == {"Wx", "Wy", "b"} and len(norms) == 18
    table = view.steps_table(r, 2)
    assert table["t"].tolist() == [5, 4, 3, 2, 1, 0]
    np.testing.assert_allclose(table["‖factor[t]‖ (example 2)"], r.factor_norms[2][::-1])


def test_overflowed_contributions_are_left_out_and_called_exploded():
    X = np.full((1, 200, 3), 5.0, np.float32)  # linear with a large Wy: float64 overflows
    r = bptt.backprop(X, init_weights(scale=10.0, activation="linear"))
    assert np.isinf(r.dWy_norms).any()
    assert np.isfinite(view.norms_frame(r)["value"]).all()
    assert "exploded" in view.vanish_text(r)


@pytest.mark.parametrize("scale, steps, word", [(1.0, 20, "vanished"), (1.0, 2, "one contribution"),
                                                (0.5, 4, "neither")])
def test_vanish_text_names_what_the_norms_do(scale, steps, word):
    X = np.zeros((4, steps, 3), np.float32)
    X[:, :2] = 1.0
    assert word in view.vanish_text(bptt.backprop(X, init_weights(scale=scale)))
