"""The cell's update equation with the actual numbers filled in, for one example, step and neuron.

    Y[t][e, n] = act( sum_i X[e, t, i] * Wx[i, n]  +  sum_j Y[t-1][e, j] * Wy[j, n]  +  b[n] )

`fill` recomputes that one sum term by term from the run's inputs, weights and previous outputs, and
keeps the output the NumPy loop computed beside it, so the page can show that the two agree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st

from rnncore.activations import ACTIVATION
from rnncore.config import AGREEMENT, RNNWeights

TERMS_PER_LINE = 1  # products of six-digit numbers per line: two of them overflowed a phone (tests/browser/test_a11y.py)

# KaTeX's closing \Big) overhangs its box by a pixel or two, which made every equation a scroll region a
# keyboard cannot reach; 4 px of padding hold it. On a phone the type is a little smaller (14 px).
DISPLAY_STYLE = """<style>
.katex-display { padding: 0 4px; }
@media (max-width: 640px) { .katex-display { font-size: 0.9em; } }
</style>"""

_ACT_TEX = {"tanh": r"\tanh", "relu": r"\operatorname{relu}", "linear": ""}


@dataclass(frozen=True)
class FilledEquation:
    example: int
    step: int
    neuron: int
    activation: str
    input_terms: tuple[tuple[float, float], ...]      # (X[e, t, i], Wx[i, n]) for each input i
    recurrent_terms: tuple[tuple[float, float], ...]  # (Y[t-1][e, j], Wy[j, n]); empty at t = 0
    bias: float
    reference: float                                  # Y[t][e, n] from the NumPy loop

    @property
    def pre_activation(self) -> float:
        """z = the sum inside act(...), in float64 from the float32 factors."""
        products = [x * wt for x, wt in self.input_terms + self.recurrent_terms]
        return math.fsum(products) + self.bias

    @property
    def value(self) -> float:
        return float(ACTIVATION[self.activation].act(np.float64(self.pre_activation)))  # rnncore's act

    @property
    def difference(self) -> float:
        return abs(self.value - self.reference)

    @property
    def agrees(self) -> bool:
        return self.difference <= AGREEMENT * max(1.0, abs(self.reference))


def fill(X: np.ndarray, w: RNNWeights, outputs: np.ndarray, example: int, step: int,
         neuron: int) -> FilledEquation:
    """X (batch, steps, inputs), outputs (batch, steps, neurons) from the NumPy loop on X and w."""
    batch, steps, _ = X.shape
    if not (0 <= example < batch and 0 <= step < steps and 0 <= neuron < w.n_neurons):
        raise ValueError(f"(example, step, neuron) must lie within ({batch}, {steps}, {w.n_neurons}), "
                         f"got ({example}, {step}, {neuron})")
    inputs = tuple((float(x), float(wt)) for x, wt in zip(X[example, step], w.Wx[:, neuron]))
    recurrent = () if step == 0 else tuple(
        (float(y), float(wt)) for y, wt in zip(outputs[example, step - 1], w.Wy[:, neuron]))
    return FilledEquation(example, step, neuron, w.activation, inputs, recurrent, float(w.b[neuron]),
                          float(outputs[example, step, neuron]))


def display_style() -> None:
    """Once per run, from the app's frame: the CSS above."""
    st.html(DISPLAY_STYLE)


def tex_number(value: float, digits: int = 6) -> str:
    """A number for LaTeX: `digits` significant digits, powers of ten written out."""
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def _factor(value: float) -> str:
    return f"({tex_number(value)})" if value < 0 else tex_number(value)


def _products(terms) -> list[str]:
    return [rf"{_factor(x)}\cdot{_factor(wt)}" for x, wt in terms]


def latex(eq: FilledEquation) -> str:
    """The symbolic equation, then the same with numbers, then z and the output."""
    t, e, n, act = eq.step, eq.example, eq.neuron, _ACT_TEX[eq.activation]
    # every line short enough for a phone: the recurrent sum on a line of its own, the output after z
    symbolic = (rf"Y^{{({t})}}_{{{e},{n}}} &= {act}\Big(\sum_i X^{{({t})}}_{{{e},i}}\,W_x[i,{n}]"
                + (rf" \\ &\quad + \sum_j Y^{{({t - 1})}}_{{{e},j}}\,W_y[j,{n}]" if t > 0 else "")
                + rf" + b_{{{n}}}\Big)")
    terms = _products(eq.input_terms) + _products(eq.recurrent_terms) \
        + [_factor(eq.bias)]
    lines = [" + ".join(terms[i:i + TERMS_PER_LINE]) for i in range(0, len(terms), TERMS_PER_LINE)]
    numbers = rf"&= {act}\Big(" + r" \\ &\qquad + ".join(lines) + r"\Big)"
    result = rf"&= {act}({tex_number(eq.pre_activation)}) \\ &= {tex_number(eq.value)}" if act else \
        rf"&= {tex_number(eq.value)}"
    return r"\begin{aligned}" + r" \\ ".join([symbolic, numbers, result]) + r"\end{aligned}"
