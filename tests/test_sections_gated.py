"""The gated page's pure helpers: when a pulse fades, kept fractions, tidy frames, the held value."""
import numpy as np
import pytest

from dashboard.sections import gated as view
from rnncore import gates


@pytest.mark.parametrize("bias, steps", [(1.0, 15), (0.0, 7), (-10.0, 1), (3.0, 95), (5.0, None), (10.0, None)])
def test_faded_after_is_the_first_step_pulse_kept_says_no(bias, steps):
    assert view.faded_after(bias) == steps
    if steps is not None:
        assert not gates.pulse_kept(bias, steps) and (steps == 1 or gates.pulse_kept(bias, steps - 1))


def test_the_kept_fraction_of_the_hand_set_cell_is_sigma_of_the_bias_to_the_t():
    biases = view.biases(2.5)
    assert 2.5 in biases and set(view.COMPARE_BIASES) <= set(biases)
    kept = view.pulse_kept_over_time.__wrapped__(biases, 40)  # (biases, steps + 1)
    assert kept.shape == (len(biases), 41)
    for bias, row in zip(biases, kept):
        want = [gates.kept_fraction(bias, t) for t in range(41)]
        np.testing.assert_allclose(row, want, rtol=1e-4, atol=1e-30)
    frame = view.kept_frame(biases, kept, 2.5)
    assert frame["chosen"].sum() == 41 and len(frame) == kept.size


def test_gate_frame_has_a_panel_per_gate_in_order():
    panels = {"input": np.zeros((4, 2)), "forget": np.ones((4, 2)), "candidate": np.zeros((4, 2)),
              "output": np.zeros((4, 2)), "cell": np.full((4, 2), 2.0), "outputs": np.zeros((4, 2))}
    frame = view.gate_frame(panels, "LSTM")
    assert list(dict.fromkeys(frame["gate"])) == [label for _, label in view.PANELS["LSTM"]]
    assert len(frame) == 6 * 8 and frame.loc[frame["gate"] == "cell state c", "value"].eq(2.0).all()
    both = view.cell_output_frame(panels["cell"], panels["outputs"])
    assert set(both["series"]) == {"cell state c[t]", "output h[t]"} and len(both) == 16


@pytest.mark.parametrize("k", [1, 10, 99])
def test_the_hand_set_cell_holds_the_value_for_k_steps_then_clears(k):
    result = view.hold.__wrapped__(k, -1.5)
    table = view.hold_table(result, gates.hold_inputs(view.hold_steps(k), -1.5, clear_at=k + 1))
    cell = table["cell state c"].to_numpy()
    assert len(table) == view.hold_steps(k) and table["clear"].iloc[k + 1] == 1
    assert cell[k] == pytest.approx(np.tanh(-1.5) * gates.kept_fraction(10.0, k), rel=1e-3)
    assert abs(cell[k + 1]) < 1e-3 * abs(cell[0])
    frame = view.hold_frame(table)
    assert set(frame.columns) == {"step", "series", "value"} and len(frame) == 5 * len(table)
