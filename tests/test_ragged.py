import numpy as np
import pytest

from dashboard import ragged
from dashboard.settings import SETTINGS
from rnncore import init_weights, run_manual
from rnncore.lesson.book import LESSON_X


def test_lesson_batch_at_the_lessons_shape():
    np.testing.assert_array_equal(ragged.raw_inputs(4, 2, 3, seed=42), LESSON_X)
    np.testing.assert_array_equal(ragged.raw_inputs(4, 2, 3, seed=7), LESSON_X)  # the seed draws the rest only


def test_inputs_are_whole_numbers_from_the_seed_and_reproducible():
    X = ragged.raw_inputs(8, 20, 2, seed=5)
    assert X.dtype == np.float32 and X.shape == (8, 20, 2)
    assert set(np.unique(X)) <= set(range(10))
    np.testing.assert_array_equal(X, ragged.raw_inputs(8, 20, 2, seed=5))
    assert not np.array_equal(X, ragged.raw_inputs(8, 20, 2, seed=6))


def test_more_steps_or_examples_keep_the_values_already_shown():
    small, large = ragged.raw_inputs(4, 2, 3, seed=42), ragged.raw_inputs(6, 5, 3, seed=42)
    np.testing.assert_array_equal(large[:4, :2], small)
    np.testing.assert_array_equal(ragged.raw_inputs(3, 4, 5, seed=1),
                                  ragged.raw_inputs(8, 20, 8, seed=1)[:3, :4, :5])


def test_the_grid_covers_every_slider():
    assert ragged.INPUT_GRID == (SETTINGS["batch"].high, SETTINGS["steps"].high, SETTINGS["inputs"].high)


def test_lesson_preset_is_the_settings_defaults_and_ragged_preset_is_valid():
    for key, value in ragged.LESSON_BATCH.items():
        assert SETTINGS[key].default == value, key
    for key, value in ragged.RAGGED_BATCH.items():
        assert SETTINGS[key].parse(str(value)) == value
    lengths = [ragged.RAGGED_BATCH[f"len{i}"] for i in range(ragged.RAGGED_BATCH["batch"])]
    assert len(set(lengths)) == len(lengths) and max(lengths) <= ragged.RAGGED_BATCH["steps"]


def test_clamp_lengths_cuts_to_the_steps_and_names_the_examples():
    lengths, cut = ragged.clamp_lengths([2, 7, 0, 5], steps=4)
    assert lengths.tolist() == [2, 4, 0, 4] and lengths.dtype == np.int32
    assert cut == [1, 3]
    assert ragged.clamp_lengths([2, 1, 2, 2], steps=2)[1] == []


def test_padding_zeroes_every_step_past_the_length():
    X = np.arange(1, 1 + 3 * 3 * 2, dtype=np.float32).reshape(3, 3, 2)
    padded = ragged.padded(X, np.array([3, 1, 0]))
    np.testing.assert_array_equal(padded[0], X[0])
    np.testing.assert_array_equal(padded[1], [[7, 8], [0, 0], [0, 0]])
    np.testing.assert_array_equal(padded[2], np.zeros((3, 2)))
    # the book's batch is already padded for the book's lengths: example 1's second step is zeros
    np.testing.assert_array_equal(ragged.padded(LESSON_X, np.array([2, 1, 2, 2])), LESSON_X)


def test_batch_frame_marks_padding_and_shows_the_inputs():
    frame = ragged.batch_frame(LESSON_X, np.array([2, 1, 2, 2]))
    assert len(frame) == 8
    row = frame[(frame.example == 1) & (frame.step == 1)].iloc[0]
    assert (row.status, row.length, row.inputs) == ("padding", 1, "0 0 0")
    row = frame[(frame.example == 0) & (frame.step == 1)].iloc[0]
    assert (row.status, row.inputs) == ("sequence", "9 8 7")
    assert (frame.status == "padding").sum() == 1


def test_output_frame_marks_the_final_state_step():
    result = run_manual(LESSON_X, init_weights(), sequence_length=[2, 1, 2, 0])
    frame = ragged.output_frame(result.outputs, np.array([2, 1, 2, 0]), np.array([1, 0, 1, -1]))
    final = frame[frame.final]
    assert sorted(set(zip(final.example, final.step))) == [(0, 1), (1, 0), (2, 1)]  # none for length 0
    for example in (0, 1, 2):
        np.testing.assert_array_equal(final[final.example == example]["value"].to_numpy(),
                                      result.state[example].astype(float))
    assert frame[(frame.example == 1) & (frame.step == 1)]["status"].eq("padding").all()
    assert frame[frame.example == 3]["status"].eq("padding").all()


def test_state_table_shows_the_state_and_where_it_came_from():
    state = np.array([[0.5, -0.25], [0.0, 0.0]], np.float32)
    table = ragged.state_table(state, np.array([3, 0]), np.array([2, -1]))
    assert table.index.name == "example"
    assert table["length"].tolist() == [3, 0]
    assert table["from step"].tolist() == ["2", "none (zeros)"]
    assert table[["neuron 0", "neuron 1"]].to_numpy().tolist() == [[0.5, -0.25], [0.0, 0.0]]


def test_padding_effect_frame_differs_only_on_padding_steps():
    w = init_weights()
    lengths = np.array([2, 1, 2, 2])
    told = run_manual(LESSON_X, w, sequence_length=lengths)
    not_told = run_manual(LESSON_X, w)
    frame = ragged.padding_effect_frame(told.outputs, not_told.outputs, lengths)
    assert list(frame.columns) == ["example", "step", "neuron", "with_lengths", "without_lengths", "difference",
                                   "status"]
    inside = frame[frame.status == "sequence"]
    assert (inside["difference"] == 0).all()
    padding = frame[frame.status == "padding"]
    assert len(padding) == 5 and set(padding.example) == {1}
    np.testing.assert_array_equal(padding["difference"].to_numpy(), not_told.outputs[1, 1].astype(float))
    assert (padding["difference"].abs() > 1e-3).all()


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_a_zero_length_stays_zero_even_without_lengths(activation):
    """With zero bias the cell maps zeros to zeros, which the page says; a bias would change that."""
    w = init_weights(activation=activation)
    X = ragged.padded(LESSON_X, np.array([2, 0, 2, 2]))
    assert np.all(run_manual(X, w).outputs[1] == 0)
