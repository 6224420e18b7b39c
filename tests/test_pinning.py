import numpy as np
import pytest

from dashboard import pinning


def test_pin_keeps_copies_and_settings():
    store = {}
    outputs = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    kept = pinning.pin(store, "lengths", {"steps": 2}, outputs=outputs)
    outputs[0, 0, 0] = 99.0  # a later run reusing the array must not change the pin
    assert pinning.pinned(store, "lengths") is kept
    assert kept.arrays["outputs"][0, 0, 0] == 0.0
    assert kept.settings == {"steps": 2}


def test_pins_are_per_page_and_unpin_removes_only_that_page():
    store = {"steps": 5}
    pinning.pin(store, "lengths", {}, state=np.zeros(2))
    pinning.pin(store, "by_hand", {}, state=np.ones(2))
    assert pinning.pinned(store, "by_hand").arrays["state"].tolist() == [1.0, 1.0]
    pinning.unpin(store, "lengths")
    assert pinning.pinned(store, "lengths") is None
    assert pinning.pinned(store, "by_hand") is not None
    assert store["steps"] == 5
    pinning.unpin(store, "lengths")  # unpinning twice is harmless
    assert pinning.pinned(store, "lengths") is None


def test_pin_without_arrays_is_refused():
    with pytest.raises(ValueError, match="at least one array"):
        pinning.pin({}, "lengths", {})


def test_pinned_ignores_a_foreign_value_under_its_key():
    assert pinning.pinned({"pinned:lengths": "not a pin"}, "lengths") is None


def test_changed_settings_lists_only_differences():
    before = {"steps": 2, "len0": 2, "len1": 1}
    after = {"steps": 2, "len0": 2, "len1": 2, "len2": 0}
    assert pinning.changed_settings(before, after) == {"len1": (1, 2), "len2": (None, 0)}
    assert pinning.changed_settings(before, dict(before)) == {}


def test_compare_same_shape_gives_the_exact_difference():
    baseline = np.array([[[0.5, -0.25]]], np.float32)
    current = np.array([[[0.75, -0.25]]], np.float32)
    result = pinning.compare(baseline, current)
    assert result.note == ""
    np.testing.assert_array_equal(result.difference, [[[0.25, 0.0]]])
    assert result.max_abs_difference == 0.25


def test_compare_cuts_to_the_common_shape_and_says_so():
    baseline = np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3)  # 2 examples, 2 steps, 3 neurons
    current = np.zeros((2, 4, 2), np.float32)                          # 4 steps, 2 neurons
    result = pinning.compare(baseline, current)
    assert result.baseline.shape == result.current.shape == (2, 2, 2)
    np.testing.assert_array_equal(result.baseline, baseline[:, :2, :2])
    assert result.note == ("steps: 2 in the baseline, 4 now, compared on the first 2; "
                           "neurons: 3 in the baseline, 2 now, compared on the first 2")
    assert result.max_abs_difference == 10.0  # baseline[1, 1, 1] = 1*6 + 1*3 + 1


def test_compare_two_d_states_and_refuses_different_ranks():
    result = pinning.compare(np.ones((3, 2)), np.zeros((2, 2)), axes=("example", "neuron"))
    assert result.note == "examples: 3 in the baseline, 2 now, compared on the first 2"
    assert result.max_abs_difference == 1.0
    with pytest.raises(ValueError, match="2-D baseline with a 3-D run"):
        pinning.compare(np.ones((3, 2)), np.ones((3, 2, 1)))


def test_runs_frame_holds_both_runs_in_full():
    baseline = np.full((1, 2, 1), 0.5, np.float32)
    current = np.array([[[0.25], [0.75], [-1.0]]], np.float32)  # one more step than the baseline
    frame = pinning.runs_frame(baseline, current)
    assert frame.groupby("run").size().to_dict() == {"baseline": 2, "current": 3}
    assert frame[frame.run == "current"]["value"].tolist() == [0.25, 0.75, -1.0]
    assert frame[frame.run == "baseline"]["value"].tolist() == [0.5, 0.5]
    assert list(frame.columns) == ["example", "step", "neuron", "value", "run"]
