"""Sections of the sequence-lengths page that would make it too long to read in one go.

`outputs_panel`: one run's outputs and final state. `padding_effect`: with vs without sequence_length, in a chart and in numbers. `tensorflow_check`:
dynamic_rnn on the same batch, only when asked (TensorFlow's import takes seconds). `what_if`: pin a
run as a baseline and compare the current one with it. Charts are drawn from chart_cache specs,
keyed by the arrays they show, so a rerun with data already seen skips Altair's validation.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard import chart_cache, charts, compute, experiment, pinning, ragged
from dashboard.sections import shared
from rnncore.config import AGREEMENT, RNNResult

PAGE = "lengths"


@chart_cache.cached_spec
def padded_batch_spec(X: np.ndarray, lengths: np.ndarray, show_values: bool):
    return charts.padded_batch(ragged.batch_frame(X, lengths), show_values=show_values)


@chart_cache.cached_spec
def outputs_with_final_state_spec(outputs: np.ndarray, lengths: np.ndarray, final_steps: np.ndarray, title: str,
                                  bound: float):
    return charts.outputs_with_final_state(ragged.output_frame(outputs, lengths, final_steps), title=title,
                                           bound=bound, columns=2)


@chart_cache.cached_spec
def padding_effect_spec(with_lengths: np.ndarray, without_lengths: np.ndarray, lengths: np.ndarray):
    return charts.lengths_difference(ragged.padding_effect_frame(with_lengths, without_lengths, lengths), columns=2)


def final_state_text(lengths: np.ndarray) -> str:
    """Where each example's final state comes from when the cell is told the lengths, for these lengths."""
    where = [f"example {i}: zeros" if n == 0 else f"example {i}: t = {n - 1}" for i, n in enumerate(lengths)]
    return ("so the final state (outlined) is the output at step length − 1, or zeros for a length of 0: "
            + "; ".join(where) + ".")


def number_format(columns) -> dict:
    return {column: st.column_config.NumberColumn(format="%.6f") for column in columns}


def batch_text(n_inputs: int, seed: int) -> str:
    if ragged.uses_lesson_batch(n_inputs):
        source = ("The values are the lesson's batch where it fits (the first 4 examples' first 2 steps) and "
                  f"whole numbers 0..9 drawn from the seed ({seed}) elsewhere, so a link always shows the same "
                  "batch. In the book, example 1 is one step long: its second step `0 0 0` is padding, not "
                  "data. Zeros alone cannot say which; only the length can. Give example 1 a length of 2 and "
                  "the same zeros become a real input.")
    else:
        source = (f"The values are whole numbers 0..9 drawn from the seed ({seed}), so a link always shows "
                  "the same batch. (With 3 inputs per step the lesson's own batch fills the first steps.)")
    return ("Each cell is one time step of one example, with its input vector X[t]. Blue cells hold the "
            "sequence; grey cells are padding: zeros that are there only to make the batch rectangular, "
            f"whatever the data held. {source}")


def outputs_panel(title: str, run: RNNResult, lengths, final_steps: np.ndarray, bound: float) -> None:
    """The outputs as heatmaps with the final state's step outlined, then the final state as a table."""
    chart = outputs_with_final_state_spec(run.outputs, np.asarray(lengths), np.asarray(final_steps), title, bound)
    chart_cache.show(chart)
    experiment.chart_download(chart, PAGE, "outputs_" + title.split(" ", 1)[1].replace(" ", "_"))  # e.g. with_lengths
    st.caption("Final state, one row per example:")
    table = ragged.state_table(run.state, lengths, final_steps)
    st.dataframe(table, column_config=number_format(table.columns[2:]))


def _metric_pair(label: str, outputs: float, state: float) -> None:
    left, right = st.columns(2)
    left.metric(f"Largest {label} in the outputs", f"{outputs:.6f}")
    right.metric(f"Largest {label} in the final state", f"{state:.6f}")


def padding_effect(with_lengths: RNNResult, without_lengths: RNNResult, X: np.ndarray, lengths) -> None:
    st.header("What the padding does when the network is not told")
    chart_column, text_column = st.columns([3, 2])
    chart_cache.show(padding_effect_spec(with_lengths.outputs, without_lengths.outputs, np.asarray(lengths)),
                     chart_column)
    padding_steps = int((~ragged.valid_mask(lengths, X.shape[1])).sum())
    text_column.markdown(
        "Each cell is the output without `sequence_length` minus the output with it. Inside every sequence "
        "(t < length) it is exactly 0: the same inputs meet the same weights. Only the padding steps "
        "(dashed) can differ, and an example that fills every step has none. To try: raise the time steps "
        "above every length, or lower one length, and watch the final states part. With this page's zero "
        "bias, a length of 0 is a special case: zeros in, zeros out, so it differs nowhere.")
    text_column.caption(f"{padding_steps} of the batch's {X.shape[0] * X.shape[1]} steps are padding.")
    _metric_pair("|without − with|", float(np.abs(without_lengths.outputs - with_lengths.outputs).max()),
                 float(np.abs(without_lengths.state - with_lengths.state).max()))


@st.fragment
def tensorflow_check(X: np.ndarray, weights: tuple, lengths, with_lengths: RNNResult,
                     without_lengths: RNNResult) -> None:
    """dynamic_rnn (TF1, `BasicRNNCell` with the same weights) on the padded batch, against the NumPy loop."""
    st.markdown("The charts above come from a plain NumPy loop that applies the rule step by step. "
                "TensorFlow's `dynamic_rnn` should give the same numbers, told the lengths and not.")
    if not st.button("Run dynamic_rnn on this batch", key="lengths_run_tf",
                     help="Imports TensorFlow on first use: a few seconds."):
        st.caption("TensorFlow is loaded only when you press the button.")
        return
    rows, agree = [], True
    for told, reference, given in (("with sequence_length", with_lengths, tuple(lengths.tolist())),
                                   ("without", without_lengths, None)):
        got = compute.dynamic_result(X, *weights, given)
        rows.append({"dynamic_rnn": told,
                     "largest |difference| in the outputs": float(np.abs(got.outputs - reference.outputs).max()),
                     "largest |difference| in the final state": float(np.abs(got.state - reference.state).max())})
        agree &= all(np.allclose(a, b, rtol=AGREEMENT, atol=AGREEMENT)  # relative for relu/linear's large values
                     for a, b in ((got.outputs, reference.outputs), (got.state, reference.state)))
    st.dataframe(rows, column_config=number_format(list(rows[0])[1:]))
    if agree:
        st.success(f"dynamic_rnn agrees with the NumPy loop to within {AGREEMENT:g} (relative for large values), "
                   "with and without lengths.")
    else:
        st.error("dynamic_rnn and the NumPy loop differ by more than float32 rounding: please report this link.")


def what_if(run: RNNResult, settings: dict) -> None:
    st.header("What if? Pin a baseline and compare")
    baseline = shared.pin_controls(PAGE, settings, {"outputs": run.outputs, "state": run.state},
                                   ("lengths_pin", "lengths_unpin"),
                                   "Pin this run (with sequence_length), then change one length: the outputs are "
                                   "drawn against the pinned ones (dashed), with their difference.")
    if baseline is None:
        return
    state = pinning.compare(baseline.arrays["state"], run.state, axes=("example", "neuron"))
    outputs = pinning.compare(baseline.arrays["outputs"], run.outputs)
    if outputs.note:  # the state's axes are among the outputs', so this note covers both
        st.info(f"The runs differ in shape ({outputs.note}).", icon=":material/straighten:")
    st.markdown("Solid lines are the current run, dashed the pinned one; the heatmap below is current minus "
                "baseline. Lengthen a sequence by one step: only that example changes, from its old length on, "
                "and its final state moves to the new last step.")
    _metric_pair("|current − baseline|", outputs.max_abs_difference, state.max_abs_difference)
    shared.compared_outputs(run.outputs, baseline)
