"""Gated cells by hand in NumPy: LSTM and GRU, the reference every gated path is checked against.

The weights have Keras 3's layout and gate order, so `layer.set_weights([kernel, recurrent_kernel, bias])`
loads them into `keras.layers.LSTM` / `GRU` unchanged. `kernel` stacks each gate's Wx side by side,
`recurrent_kernel` each gate's Wy, `bias` each gate's b. sigma is the logistic sigmoid, * is elementwise.

LSTM (gates i, f, c, o, in that order along the last axis; Hochreiter & Schmidhuber 1997, with the
forget gate of Gers et al. 2000):

    i[t] = sigma(X[:, t] @ Wx_i + h[t-1] @ Wy_i + b_i)       input gate: how much of the candidate to write
    f[t] = sigma(X[:, t] @ Wx_f + h[t-1] @ Wy_f + b_f)       forget gate: how much of the cell to keep
    g[t] = tanh (X[:, t] @ Wx_c + h[t-1] @ Wy_c + b_c)       candidate value
    o[t] = sigma(X[:, t] @ Wx_o + h[t-1] @ Wy_o + b_o)       output gate: how much of the cell to show
    c[t] = f[t] * c[t-1] + i[t] * g[t]                        cell state    c[-1] = 0
    h[t] = o[t] * tanh(c[t])                                  output/state  h[-1] = 0

GRU (gates z, r, h; Cho et al. 2014, Keras' default `reset_after=True`: bias[0] is the input side's,
bias[1] the recurrent side's, and the reset gate multiplies the recurrent part after its matmul):

    z[t] = sigma(X[:, t] @ Wx_z + b0_z + h[t-1] @ Wy_z + b1_z)     update gate: how much of h[t-1] to keep
    r[t] = sigma(X[:, t] @ Wx_r + b0_r + h[t-1] @ Wy_r + b1_r)     reset gate
    n[t] = tanh (X[:, t] @ Wx_h + b0_h + r[t] * (h[t-1] @ Wy_h + b1_h))   candidate
    h[t] = z[t] * h[t-1] + (1 - z[t]) * n[t]

Variable lengths follow rnncore's rule (rnncore.cell): past an example's length its outputs, and its
gates over time, are zero, and its state (and LSTM cell state) is copied through.

The steps are written once, as cells that rnncore.loop steps through (`lstm_cell`, `gru_cell`); the text
lab's LSTM and GRU (rnncore.text) are these same cells. `backend="keras"` runs Keras's own layers
(rnncore.tf.gates_keras); TensorFlow is imported only then, after every input is checked.

`hold_weights` sets an LSTM's gates by hand so that it writes a value once and keeps it; `kept_fraction`
and `pulse_kept` answer the predict-first question about it exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rnncore import config
from rnncore.activations import sigmoid
from rnncore.cell import pre_activation
from rnncore.loop import run_loop
from rnncore.memory import FADE_FRACTION
from rnncore.tf import gates_keras
from rnncore.validate import check_array, check_inputs, check_int, check_number

KINDS = ("lstm", "gru")
GATES = {  # the gates' blocks along the last axis of kernel, recurrent_kernel and bias, in Keras' order
    "lstm": ("input", "forget", "candidate", "output"),
    "gru": ("update", "reset", "candidate"),
}
BACKENDS = ("numpy", "keras")
MAX_FORGET_BIAS = 10.0  # sigma(10) = 0.99995: a pulse keeps 99% of itself over the longest run (200 steps)
HOLD_STRENGTH = 10.0    # hold_weights' gate weights: sigma(+-10) is 1 or 0 to within 5e-5


@dataclass(frozen=True)
class GatedWeights:
    kind: str                       # "lstm" or "gru"
    kernel: np.ndarray              # (inputs, 4u | 3u): each gate's Wx, side by side
    recurrent_kernel: np.ndarray    # (u, 4u | 3u): each gate's Wy
    bias: np.ndarray                # (4u,) for LSTM; (2, 3u) for GRU: input-side row, recurrent-side row

    @property
    def n_inputs(self) -> int:
        return self.kernel.shape[0]

    @property
    def n_units(self) -> int:
        return self.recurrent_kernel.shape[0]

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.kernel, np.ndarray) or self.kernel.ndim != 2:
            raise ValueError(f"kernel must be a 2-D (inputs, gates * units) array, got "
                             f"{getattr(self.kernel, 'shape', self.kernel)!r}")
        n_gates = len(GATES[self.kind])
        n_inputs, width = self.kernel.shape
        check_int("n_inputs", n_inputs, 1, config.MAX_INPUTS)
        if width % n_gates:
            raise ValueError(f"kernel of a {self.kind} must have {n_gates} * units columns, got {width}")
        units = check_int("n_units", width // n_gates, 1, config.MAX_NEURONS)
        check_array("kernel", self.kernel, (n_inputs, width))
        check_array("recurrent_kernel", self.recurrent_kernel, (units, width))
        check_array("bias", self.bias, (width,) if self.kind == "lstm" else (2, width))


@dataclass(frozen=True)
class GatedResult:
    outputs: np.ndarray        # (batch, steps, units) h[t]; zero past each length
    state: np.ndarray          # (batch, units): each example's last valid h (zero for length 0)
    cell: np.ndarray | None    # (batch, units): LSTM's last valid c; None for GRU
    gates: dict                # name -> (batch, steps, units), zero past each length (NumPy backend only;
                               # Keras does not expose them, so the keras backend returns {})


def init_weights(kind: str, n_inputs: int, n_units: int, seed: int = 42,
                 forget_bias: float | None = None) -> GatedWeights:
    """Seeded weights drawn as Keras' defaults draw them: Glorot-uniform kernel, orthogonal recurrent
    kernel, zero bias (the same distributions from a NumPy generator, not Keras' own numbers).

    `forget_bias` is the LSTM forget gate's bias, Keras' `unit_forget_bias`: None gives Keras' default
    (1.0: the gate starts at sigma(1) = 0.73, mostly open); GRU has no forget gate and refuses it.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    check_int("n_inputs", n_inputs, 1, config.MAX_INPUTS)
    check_int("n_units", n_units, 1, config.MAX_NEURONS)
    check_int("seed", seed, 0, 2**32 - 1)
    if kind == "gru" and forget_bias is not None:
        raise ValueError(f"forget_bias applies to LSTM only (GRU has no forget gate), got {forget_bias!r}")
    forget_bias = check_forget_bias(1.0 if forget_bias is None else forget_bias)
    width = len(GATES[kind]) * n_units
    rng = np.random.default_rng([seed, 13])  # its own stream: not the basic cell's weights for this seed
    limit = math.sqrt(6.0 / (n_inputs + width))
    kernel = rng.uniform(-limit, limit, (n_inputs, width))                  # (inputs, gates * units)
    q, r = np.linalg.qr(rng.standard_normal((width, n_units)))              # orthonormal columns
    recurrent_kernel = (q * np.sign(np.diag(r))).T                          # (units, gates * units)
    if kind == "lstm":
        bias = np.zeros(width)
        bias[n_units:2 * n_units] = forget_bias                            # the f block
    else:
        bias = np.zeros((2, width))
    as32 = lambda a: np.ascontiguousarray(a, np.float32)  # noqa: E731
    return GatedWeights(kind, as32(kernel), as32(recurrent_kernel), as32(bias))


def check_forget_bias(forget_bias) -> float:
    return check_number("forget_bias", forget_bias, -MAX_FORGET_BIAS, MAX_FORGET_BIAS)


def lstm_cell(kernel, recurrent_kernel, bias):
    """The LSTM step for rnncore.loop: `step(X_t, (h[t-1], c[t-1])) -> (h[t], (h[t], c[t]), gates)`,
    the gates (and the cell state) by name, each (batch, units)."""
    def step(X_t, states):
        h_prev, c_prev = states
        z = pre_activation(X_t, h_prev, kernel, recurrent_kernel, bias)    # (batch, 4u)
        z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
        i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
        c = f * c_prev + i * g                                             # the cell's memory
        h = o * np.tanh(c)
        return h, (h, c), {"input": i, "forget": f, "candidate": g, "output": o, "cell": c}

    return step


def gru_cell(kernel, recurrent_kernel, bias):
    """The GRU step (reset_after=True) for rnncore.loop: `step(X_t, (h[t-1],)) -> (h[t], (h[t],), gates)`."""
    def step(X_t, states):
        (h_prev,) = states
        x_z, x_r, x_h = np.split(X_t @ kernel + bias[0], 3, axis=-1)              # input side
        y_z, y_r, y_h = np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=-1)  # recurrent side
        z, r = sigmoid(x_z + y_z), sigmoid(x_r + y_r)                              # update, reset gates
        n = np.tanh(x_h + r * y_h)                                                 # candidate
        h = z * h_prev + (1 - z) * n
        return h, (h,), {"update": z, "reset": r, "candidate": n}

    return step


CELLS = {"lstm": lstm_cell, "gru": gru_cell}


def _run_numpy(X: np.ndarray, w: GatedWeights, lengths) -> GatedResult:
    zeros = np.zeros((X.shape[0], w.n_units), np.float32)           # h[-1] = 0 (and c[-1] = 0)
    states = (zeros, zeros) if w.kind == "lstm" else (zeros,)
    loop = run_loop(CELLS[w.kind](w.kernel, w.recurrent_kernel, w.bias), X, states, lengths)
    return GatedResult(loop.outputs, loop.states[0], loop.states[1] if w.kind == "lstm" else None, loop.inner)


def _run_keras(X: np.ndarray, w: GatedWeights, lengths) -> GatedResult:
    return GatedResult(*gates_keras.run_keras(X, w, lengths), {})  # Keras does not expose the gates


def run(X, w: GatedWeights, sequence_length=None, backend: str = "numpy") -> GatedResult:
    """Run the gated layer `w` over X (batch, steps, inputs); `backend` is "numpy" or "keras"."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if not isinstance(w, GatedWeights):
        raise ValueError(f"w must be GatedWeights (from gates.init_weights), got {type(w).__name__}")
    X, lengths = check_inputs(X, w, sequence_length)
    return (_run_numpy if backend == "numpy" else _run_keras)(X, w, lengths)


# --- Gates set by hand: write a value once, keep it, clear it ------------------------------------------

HOLD_INPUTS = ("value", "write", "clear")  # hold_weights' three inputs, in order


def hold_weights(forget_bias: float = MAX_FORGET_BIAS) -> GatedWeights:
    """A one-unit LSTM whose gates are set by hand, reading three inputs (value, write, clear):

        i[t] = sigma(S * (2 * write - 1))       open (~1) only when write = 1, closed (~0) otherwise
        f[t] = sigma(forget_bias - 2S * clear)  sigma(forget_bias) while clear = 0; ~0 when clear = 1
        g[t] = tanh(value)                      the candidate is the value input, squashed
        o[t] = sigma(S) ~ 1                     always show the cell

    with S = HOLD_STRENGTH and no recurrent weights (h does not feed back into the gates). A pulse
    (value v, write 1) stores c = ~tanh(v); on the following steps nothing is written (the candidate is
    tanh(0) = 0), so c[t] = c[0] * sigma(forget_bias)^t exactly until clear = 1 empties the cell.
    A forget bias of 10 keeps 99.995% per step; a bias of 1 keeps 73% per step (`kept_fraction`).
    """
    forget_bias = check_forget_bias(forget_bias)
    S = HOLD_STRENGTH
    kernel = np.zeros((3, 4), np.float32)          # rows: value, write, clear; columns: i, f, c, o
    kernel[1, 0] = 2 * S                           # write opens the input gate
    kernel[2, 1] = -2 * S                          # clear shuts the forget gate
    kernel[0, 2] = 1.0                             # the value is the candidate
    bias = np.array([-S, forget_bias, 0.0, S], np.float32)
    return GatedWeights("lstm", kernel, np.zeros((1, 4), np.float32), bias)


def hold_inputs(steps: int, value: float = 1.0, clear_at: int | None = None) -> np.ndarray:
    """One sequence (1, steps, 3) for `hold_weights`: write `value` at t=0, clear at `clear_at` (or never)."""
    check_int("steps", steps, 1, config.MAX_STEPS)
    value = check_number("value", value, -config.MAX_ABS_INPUT, config.MAX_ABS_INPUT)
    X = np.zeros((1, steps, 3), np.float32)        # (batch, steps, inputs)
    X[0, 0, :2] = value, 1.0
    if clear_at is not None:
        X[0, check_int("clear_at", clear_at, 1, steps - 1), 2] = 1.0
    return X


def kept_fraction(forget_bias: float, steps: int) -> float:
    """The fraction of a written value still in the cell `steps` steps later, when the forget gate sits
    at sigma(forget_bias) and nothing new is written (as in `hold_weights`): sigma(forget_bias)^steps."""
    forget_bias = check_forget_bias(forget_bias)
    check_int("steps", steps, 0, config.MAX_STEPS)
    return (1 / (1 + math.exp(-forget_bias))) ** steps


def pulse_kept(forget_bias: float, steps: int, fraction: float = FADE_FRACTION) -> bool:
    """Is the pulse still visible after `steps` steps? True while at least `fraction` of it is kept
    (the memory page's fade line, 1%). With forget bias 1: 0.73^20 = 0.2%, so no; with 5: 87%, yes."""
    fraction = check_number("fraction", fraction, 0.0, 1.0, low_open=True)
    return kept_fraction(forget_bias, steps) >= fraction
