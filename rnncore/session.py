"""A TF1 graph built for one run, and the Session that runs it with given weights.

Every TF1 path builds its own `tf.Graph`, never the process-wide default graph, and opens its own
`Session(graph=...)` that the caller closes: Streamlit serves many sessions from threads at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class BuiltGraph:
    graph: object                                  # tf.Graph holding the forward pass only
    fetches: object                                # what one run evaluates
    feed: Callable[[np.ndarray, np.ndarray | None], dict]  # (X, lengths) -> feed_dict
    loads: list                                    # [(variable, value)]: the weights to load

    def open_session(self):
        """A Session on this graph with the weights loaded; adds no operation to the graph."""
        from rnncore.tfimport import tf

        sess = tf().compat.v1.Session(graph=self.graph)
        for variable, value in self.loads:
            # feeding the initializer's initial value loads `value` without a new assign op
            sess.run(variable.initializer, {variable.initializer.inputs[1]: value})
        return sess

    def run(self, X: np.ndarray, lengths: np.ndarray | None = None):
        with self.open_session() as sess:
            return sess.run(self.fetches, self.feed(X, lengths))
