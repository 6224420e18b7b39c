"""Backpropagation through time, one step at a time, on the basic cell (rnncore.cell) with every number kept.

Forward, the cell of the lesson:   z[t] = X[:, t] @ Wx + Y[t-1] @ Wy + b,   Y[t] = act(z[t]),   Y[-1] = 0

Loss on the last output only (the final state: each example's last valid output when lengths are given):

    L = 0.5 * sum over batch and neurons of (Y[T-1] - target)^2        target = 0 unless given

Backward, from t = T-1 down to 0 (rows are examples, so the matrices act on the right):

    e[T-1] = Y[T-1] - target                the error at the last step: dL/dY[T-1]
    s[t]   = act'(z[t])                     slope: tanh 1 - Y[t]^2; relu 1 where z[t] > 0, else 0; linear 1
    d[t]   = e[t] * s[t]                    dL/dz[t]
    dWx[t] = X[:, t]^T @ d[t]               what step t adds to dL/dWx   (inputs, neurons)
    dWy[t] = Y[t-1]^T @ d[t]                what step t adds to dL/dWy   (neurons, neurons); 0 at t = 0
    db[t]  = sum over the batch of d[t]     what step t adds to dL/db    (neurons,)
    e[t-1] = d[t] @ Wy^T = e[t] @ (diag(s[t]) @ Wy^T)                    the factor of step t

There is one Wx, one Wy and one b, used at every step, so dL/dWy = dWy[0] + dWy[1] + ... + dWy[T-1]:
the unrolled network does not have a weight matrix per step, it has one that receives a contribution
from every step. Each step back multiplies the error by another factor diag(s[t]) @ Wy^T, so the
contributions of early steps shrink (vanish) or grow (explode) with T - t, as the norms show.

Variable lengths follow rnncore's rule: past an example's length no step runs and the state is copied
through, so there the error passes back unchanged (the factor is the identity) and adds nothing.

Everything runs in float64 from the float32 weights and inputs: a vanishing contribution falls below
float32's smallest number within a few dozen steps (rnncore.memory does the same). Overflow gives inf.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.cell import basic_cell, valid_mask
from rnncore.config import MAX_ABS_INPUT, RNNWeights
from rnncore.loop import run_loop
from rnncore.validate import REAL_KINDS, check_inputs


@dataclass(frozen=True)
class Backprop:
    X: np.ndarray           # (batch, steps, inputs) the inputs, float64
    Wy: np.ndarray          # (neurons, neurons) the one Wy every step shares, float64
    live: np.ndarray        # (batch, steps) bool: True where step t ran (t < the example's length)
    outputs: np.ndarray     # (batch, steps, neurons) Y[t]; zero past each length
    state: np.ndarray       # (batch, neurons) the final state, the output the loss reads
    target: np.ndarray      # (batch, neurons)
    loss: float             # 0.5 * sum((state - target)^2)
    error: np.ndarray       # (batch, steps, neurons) e[t]: dL/d(state after step t); dL/dY[t] where live
    slope: np.ndarray       # (batch, steps, neurons) s[t] = act'(z[t]); zero where not live
    dWx_steps: np.ndarray   # (steps, inputs, neurons)  step t's contribution to dL/dWx
    dWy_steps: np.ndarray   # (steps, neurons, neurons) step t's contribution to dL/dWy
    db_steps: np.ndarray    # (steps, neurons)          step t's contribution to dL/db

    @property
    def delta(self) -> np.ndarray:
        """(batch, steps, neurons) d[t] = e[t] * s[t] = dL/dz[t]: what reaches the weights at step t."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.error * self.slope

    @property
    def dWx(self) -> np.ndarray:
        """(inputs, neurons) dL/dWx: the sum of every step's contribution."""
        return self.dWx_steps.sum(axis=0)

    @property
    def dWy(self) -> np.ndarray:
        """(neurons, neurons) dL/dWy: the sum of every step's contribution."""
        return self.dWy_steps.sum(axis=0)

    @property
    def db(self) -> np.ndarray:
        """(neurons,) dL/db: the sum of every step's contribution."""
        return self.db_steps.sum(axis=0)

    def factor(self, t: int) -> np.ndarray:
        """(batch, neurons, neurons) the factor of step t, e[t-1] = e[t] @ factor: diag(s[t]) @ Wy^T,
        or the identity for an example whose length ends before t (its state was copied through)."""
        steps = self.live.shape[1]
        if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or not 0 <= t < steps:
            raise ValueError(f"t must be a step in 0..{steps - 1}, got {t!r}")
        through = self.slope[:, t, :, None] * self.Wy.T[None]              # diag(s[t]) @ Wy^T
        copied = np.broadcast_to(np.eye(self.Wy.shape[0]), through.shape)
        return np.where(self.live[:, t, None, None], through, copied)

    @property
    def factor_norms(self) -> np.ndarray:
        """(batch, steps) the spectral norm (largest stretch) of each example's factor at each step:
        below 1 at every step and the error vanishes going back; above 1 and it can explode.
        One SVD per example and step: the costliest number here, growing with batch x steps x neurons^3."""
        norms = []
        for t in range(self.live.shape[1]):
            factor = self.factor(t)                                  # (batch, neurons, neurons)
            finite = np.isfinite(factor).all(axis=(1, 2))           # NaN only after an overflow forward
            norms.append(np.where(finite, np.linalg.norm(np.where(finite[:, None, None], factor, 0),
                                                         ord=2, axis=(1, 2)), np.inf))
        return np.stack(norms, axis=1)

    @property
    def error_norms(self) -> np.ndarray:
        """(steps,) ||e[t]|| over the batch and neurons: how much error reaches each step."""
        return _norms(self.error.transpose(1, 0, 2))

    @property
    def dWx_norms(self) -> np.ndarray:
        """(steps,) ||dWx[t]||: the size of each step's contribution to the shared Wx."""
        return _norms(self.dWx_steps)

    @property
    def dWy_norms(self) -> np.ndarray:
        """(steps,) ||dWy[t]||: the size of each step's contribution to the shared Wy."""
        return _norms(self.dWy_steps)

    @property
    def db_norms(self) -> np.ndarray:
        """(steps,) ||db[t]||."""
        return _norms(self.db_steps)

    @property
    def largest_dWy_step(self) -> int:
        """The step whose contribution to the shared Wy is largest: the answer to "which step moves Wy
        most, the first, a middle one or the last?" (the last, usually, once the error vanishes going back)."""
        return int(np.argmax(self.dWy_norms))


def _norms(per_step: np.ndarray) -> np.ndarray:
    """(steps,) the Frobenius norm of each step's slice; inf where it overflowed (inf, or NaN from inf - inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.sqrt(np.square(per_step.reshape(len(per_step), -1)).sum(axis=1))
    return np.where(np.isfinite(norms), norms, np.inf)


def check_target(target, batch: int, n_neurons: int) -> np.ndarray:
    """The target as float64 (batch, neurons); zeros for None."""
    if target is None:
        return np.zeros((batch, n_neurons))
    raw = np.asarray(target)
    if raw.dtype.kind not in REAL_KINDS:
        raise ValueError(f"target must hold real numbers, shape ({batch}, {n_neurons}), got dtype {raw.dtype}")
    try:
        target = raw.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"target must be numeric, shape ({batch}, {n_neurons}): {error}") from None
    if target.shape != (batch, n_neurons):
        raise ValueError(f"target must have shape (batch, neurons) = ({batch}, {n_neurons}), got {target.shape}")
    if not np.all(np.isfinite(target)) or np.abs(target).max() > MAX_ABS_INPUT:
        raise ValueError(f"target values must be finite and within +-{MAX_ABS_INPUT:g}")
    return target


def check_backprop_inputs(X, w: RNNWeights, target=None, sequence_length=None):
    """(X float32 (batch, steps, inputs), lengths or None, target (batch, neurons)), checked where they enter."""
    if not isinstance(w, RNNWeights):
        raise ValueError(f"w must be RNNWeights (from rnncore.init_weights), got {type(w).__name__}")
    X, lengths = check_inputs(X, w, sequence_length)
    return X, lengths, check_target(target, X.shape[0], w.n_neurons)


def backprop(X, w: RNNWeights, target=None, sequence_length=None) -> Backprop:
    """The forward pass, the loss on the last output and the backward pass, one step at a time."""
    X, lengths, target = check_backprop_inputs(X, w, target, sequence_length)
    batch, steps, _ = X.shape
    X = X.astype(np.float64)                                          # (batch, steps, inputs)
    Wx, Wy, b = (a.astype(np.float64) for a in (w.Wx, w.Wy, w.b))
    forward = run_loop(basic_cell(Wx, Wy, b, w.activation, with_slope=True), X,
                       (np.zeros((batch, w.n_neurons)),), lengths)        # Y[-1] = 0
    live = valid_mask(lengths, batch, steps)                          # (batch, steps)
    outputs, (state,), slope = forward.outputs, forward.states, forward.inner["slope"]
    with np.errstate(over="ignore", invalid="ignore"):
        loss = 0.5 * float(np.square(state - target).sum())

        error = np.zeros_like(outputs)
        dWx_steps = np.zeros((steps,) + Wx.shape)
        dWy_steps = np.zeros((steps,) + Wy.shape)
        e_t = state - target                                          # e[T-1]
        for t in reversed(range(steps)):
            error[:, t] = e_t
            d_t = e_t * slope[:, t]                                   # dL/dz[t]; zero where not live
            dWx_steps[t] = X[:, t].T @ d_t
            Y_prev = outputs[:, t - 1] if t else np.zeros_like(state)  # where d[t] != 0, Y[t-1] is the state read
            dWy_steps[t] = Y_prev.T @ d_t
            e_t = np.where(live[:, t, None], d_t @ Wy.T, e_t)         # one step back
        db_steps = (error * slope).sum(axis=0)                        # (steps, neurons)
    return Backprop(X, Wy, live, outputs, state, target, loss if np.isfinite(loss) else np.inf, error, slope,
                    dWx_steps, dWy_steps, db_steps)
