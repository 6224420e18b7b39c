"""The filled-in update equation: its terms are the run's numbers and its result is rnncore's output."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import equation
from rnncore import init_weights, run_manual
from rnncore.lesson.book import LESSON_X, book_weights


def _run(activation="tanh", seed=42, X=LESSON_X):
    w = init_weights(X.shape[2], 5, seed, 1.0, activation)
    return X, w, run_manual(X, w).outputs


def test_the_terms_are_the_inputs_weights_and_previous_outputs():
    X, w, Y = _run()
    eq = equation.fill(X, w, Y, example=2, step=1, neuron=3)
    assert eq.input_terms == tuple(zip(X[2, 1].tolist(), w.Wx[:, 3].tolist()))
    assert eq.recurrent_terms == tuple(zip(Y[2, 0].tolist(), w.Wy[:, 3].tolist()))
    assert eq.bias == 0.0 and eq.reference == float(Y[2, 1, 3])


def test_at_step_zero_there_is_no_recurrent_term():
    X, w, Y = _run()
    eq = equation.fill(X, w, Y, 1, 0, 0)
    assert eq.recurrent_terms == ()
    assert eq.pre_activation == pytest.approx(float(X[1, 0] @ w.Wx[:, 0]), abs=1e-5)
    assert r"W_y" not in equation.latex(eq)


@settings(max_examples=40, deadline=None)
@given(activation=st.sampled_from(["tanh", "relu", "linear"]), seed=st.integers(0, 9999),
       example=st.integers(0, 3), step=st.integers(0, 1), neuron=st.integers(0, 4))
def test_the_equation_gives_rnncores_output(activation, seed, example, step, neuron):
    X, w, Y = _run(activation, seed)
    eq = equation.fill(X, w, Y, example, step, neuron)
    assert eq.agrees
    assert eq.value == pytest.approx(float(Y[example, step, neuron]), rel=1e-5, abs=1e-5)


def test_the_books_first_output_at_t1():
    eq = equation.fill(LESSON_X, book_weights(), run_manual(LESSON_X, book_weights()).outputs, 0, 1, 0)
    assert eq.value == pytest.approx(1.0, abs=1e-5)  # the book prints Y1[0, 0] = 1.0


def _last_number(tex: str) -> float:
    text = re.findall(r"= ([^=]*?)\\end\{aligned\}", tex)[0].strip()
    return float(re.sub(r"\\times 10\^\{(-?\d+)\}", r"e\1", text))


@pytest.mark.parametrize("activation, wrapper", [("tanh", r"\tanh"), ("relu", r"\operatorname{relu}")])
def test_the_latex_shows_every_term_and_ends_with_the_output(activation, wrapper):
    X, w, Y = _run(activation)
    eq = equation.fill(X, w, Y, 0, 1, 4)
    tex = equation.latex(eq)
    assert tex.startswith(r"\begin{aligned}Y^{(1)}_{0,4}") and wrapper + r"\Big(" in tex
    assert tex.count(r"\cdot") == 3 + 5  # one product per input and per previous output
    assert _last_number(tex) == pytest.approx(eq.value, abs=1e-6)
    assert equation.tex_number(eq.pre_activation) in tex


def test_linear_shows_the_sum_itself():
    X, w, Y = _run("linear")
    tex = equation.latex(equation.fill(X, w, Y, 3, 1, 2))
    assert r"\tanh" not in tex and _last_number(tex) == pytest.approx(float(Y[3, 1, 2]), rel=1e-5)


@pytest.mark.parametrize("value, text", [(0.0, "0"), (-1.5, "-1.5"), (0.1234567, "0.123457"),
                                         (1e6, r"1\times 10^{6}"), (-2.5e-7, r"-2.5\times 10^{-7}")])
def test_tex_number(value, text):
    assert equation.tex_number(value) == text


def test_long_sums_break_into_lines():
    X = np.ones((1, 2, 8), np.float32)
    w = init_weights(8, 16, 0)
    tex = equation.latex(equation.fill(X, w, run_manual(X, w).outputs, 0, 1, 0))
    assert tex.count(r"\qquad") == (8 + 16 + 1 - 1) // equation.TERMS_PER_LINE


@pytest.mark.parametrize("where", [(4, 0, 0), (0, 2, 0), (0, 0, 5), (-1, 0, 0)])
def test_a_cell_outside_the_run_is_refused(where):
    X, w, Y = _run()
    with pytest.raises(ValueError, match="must lie within"):
        equation.fill(X, w, Y, *where)
