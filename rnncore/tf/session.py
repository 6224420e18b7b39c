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

    def open_session(self, optimize: bool = True):
        """A Session on this graph with the weights loaded; adds no operation to the graph.

        `optimize=False` switches off Grappler, TensorFlow's graph rewriter, for this Session: a Session's
        first run of a graph rewrites it, and for a single run (the by-hand page's TF1 check) that rewrite
        costs several times the run itself; without it the operations run are the ones the lesson wrote,
        unfused. The unrolling page's measurements keep it on: they time TF1 as it is."""
        from rnncore.tf.runtime import op_threads, tf

        v1, threads = tf().compat.v1, op_threads()
        config = v1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
        config.graph_options.rewrite_options.disable_meta_optimizer = not optimize
        sess = v1.Session(graph=self.graph, config=config)
        # feeding each initializer its initial value loads `value` without a new assign op; one run for
        # all of them (a Session's first run of anything sets up an executor, one per distinct fetch)
        sess.run([variable.initializer for variable, _ in self.loads],
                 {variable.initializer.inputs[1]: value for variable, value in self.loads})
        return sess

    def run(self, X: np.ndarray, lengths: np.ndarray | None = None):
        """One run for its numbers, in a Session of its own without Grappler (see `open_session`)."""
        with self.open_session(optimize=False) as sess:
            return sess.run(self.fetches, self.feed(X, lengths))
