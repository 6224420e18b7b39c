"""The activations, one row each: the NumPy function, its slope, the TensorFlow op and the Keras name.

    act(z)          the NumPy function (the reference)
    slope(z, Y)     act'(z), given z and Y = act(z): tanh's is 1 - Y^2, relu's 1 where z > 0 (TF's slope
                    at 0 is 0), linear's 1
    tf_op           the TensorFlow op as code text ("tf.nn.relu"): the TF paths look it up from it, and the
                    notebook code writes it as it is
    keras           the name Keras layers take (`activation="tanh"`); None is Keras's linear
                    (`keras_code` writes it as code text)

Every other module reads this table: the NumPy cells, backprop through time, the TF and Keras paths and
the generated notebook code, so an activation cannot mean one thing in one place and another elsewhere.
`sigmoid`, the gates' squashing function, is here too: it is not a choice of the basic cell.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Activation:
    name: str
    act: Callable        # act(z), elementwise; keeps z's dtype
    slope: Callable      # slope(z, Y) = act'(z), where Y = act(z)
    tf_op: str           # "tf.tanh": the TF op, as code text
    keras: str | None    # Keras's name for it; None for linear

    @property
    def keras_code(self) -> str:
        """The Keras name as code text in a layer's call: `"tanh"`, or `None` for linear."""
        return "None" if self.keras is None else f'"{self.keras}"'

    def tf(self, tf):
        """The TF op itself, from the `tensorflow` module `tf`: `tf.nn.relu` for "tf.nn.relu"."""
        op = tf
        for name in self.tf_op.split(".")[1:]:
            op = getattr(op, name)
        return op


ACTIVATION = {row.name: row for row in (
    Activation("tanh", np.tanh, lambda z, Y: 1 - Y ** 2, "tf.tanh", "tanh"),
    Activation("relu", lambda z: np.maximum(z, 0),  # a Python 0 is weak (NumPy 2): float32 stays float32
               lambda z, Y: (z > 0).astype(np.result_type(z)), "tf.nn.relu", "relu"),
    Activation("linear", lambda z: z, lambda z, Y: np.ones_like(z), "tf.identity", None),
)}
ACTIVATIONS = tuple(ACTIVATION)  # the names, in the order the dashboard offers them


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic sigmoid 1 / (1 + exp(-z)), the gates' squashing function (keeps z's dtype)."""
    with np.errstate(over="ignore"):  # exp(-z) overflows to inf for z < -88 in float32: sigma is 0 there
        return 1 / (1 + np.exp(-z))
