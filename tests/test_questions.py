"""Predict-first questions: every truth is computed by rnncore for the question's settings, answers parse."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.settings import SETTINGS
from rnncore import memory
from rnncore.config import init_weights
from rnncore.manual import run_manual
from rnncore.lesson.book import LESSON_X
from rnncore.lesson.questions import MAX_ABS_NUMBER, QUESTIONS, for_page

CHEAP = [q for q in QUESTIONS.values() if q.page != "unrolling"]  # unrolling's build TF graphs


def test_at_least_one_question_per_experiment_page_and_every_objective():
    assert {"by_hand", "unrolling", "lengths", "memory", "keras_lab"} <= {q.page for q in QUESTIONS.values()}
    assert len(QUESTIONS) >= 8
    assert {q.objective for q in QUESTIONS.values()} == {1, 2, 3}
    assert all(q.id.startswith(q.page + ".") for q in QUESTIONS.values())
    assert for_page("lengths") == [QUESTIONS["lengths.final_state"]]


@pytest.mark.parametrize("question", CHEAP, ids=lambda q: q.id)
def test_every_truth_is_an_answer_the_question_accepts(question):
    truth = question.truth()
    assert question.parse(truth) == truth
    assert question.is_right(truth, truth)


@pytest.mark.parametrize("question", QUESTIONS.values(), ids=lambda q: q.id)
def test_every_setting_of_a_question_is_a_declared_setting_it_allows(question):
    for key, value in question.settings.items():
        assert key in SETTINGS, f"{question.id}: {key} is not a setting"
        raw = str(value).lower() if isinstance(value, bool) else str(value)
        assert SETTINGS[key].parse(raw) == value
    assert question.link.startswith(question.page)


def test_the_truths_are_rnncores_numbers():
    run = run_manual(LESSON_X, init_weights(3, 5, 42))
    assert (QUESTIONS["by_hand.zero_input"].truth() == "No: it is not zero") == bool((run.outputs[1, 1] != 0).any())
    w = init_weights(3, 5, 42)
    assert QUESTIONS["by_hand.weight_count"].truth() == w.Wx.size + w.Wy.size + w.b.size == 45
    ragged = run_manual(LESSON_X, init_weights(3, 5, 42), sequence_length=[2, 1, 2, 2])
    assert (ragged.state[1] == ragged.outputs[1, 0]).all()
    assert QUESTIONS["lengths.final_state"].truth() == "its output at t = 0"
    norms = memory.state_norms(memory.impulse_response(memory.memory_weights(5, 42, 1.1, "linear"),
                                                       memory.input_pattern(30, "pulse", 1.0, 42)))
    assert QUESTIONS["memory.exploding"].truth() == ("above" if norms[29] > norms[0] else "below")
    assert QUESTIONS["keras_lab.lstm_weights"].truth() == 4 * (1 + 16 + 1) * 16


def test_graph_sizes_grow_for_static_rnn_only():
    static, dynamic = QUESTIONS["unrolling.static_ops"].truth(), QUESTIONS["unrolling.dynamic_ops"].truth()
    assert static > 5 * 100 > dynamic  # one copy of the cell per step against one loop


def test_a_number_answer_within_tolerance_is_right():
    q = QUESTIONS["unrolling.static_ops"]
    assert q.is_right(500, 540) and not q.is_right(400, 540)
    assert QUESTIONS["by_hand.weight_count"].is_right(45.0, 45.0)
    assert not QUESTIONS["by_hand.weight_count"].is_right(46, 45.0)


@pytest.mark.parametrize("raw", ["", "abc", "nan", "inf", "-inf", None, True, 1e13, "1e400", [1]])
def test_bad_number_answers_are_refused_with_a_reason(raw):
    with pytest.raises(ValueError, match="number"):
        QUESTIONS["by_hand.weight_count"].parse(raw)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=50), st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                 st.none(), st.booleans()))
def test_any_answer_parses_or_is_refused_clearly(raw):
    for question in (QUESTIONS["by_hand.weight_count"], QUESTIONS["memory.exploding"]):
        try:
            value = question.parse(raw)
        except ValueError as reason:
            assert str(reason)
            continue
        if question.choices:
            assert value in question.choices
        else:
            assert math.isfinite(value) and abs(value) <= MAX_ABS_NUMBER
