"""Sections two or more pages share, written once: what-if (pin a baseline, compare), and take-away
(the experiment's link, its files and notebook code), and a section that does no work until opened."""
from __future__ import annotations

import numpy as np
import streamlit as st

from functools import partial

from dashboard import chart_cache, experiment, pinning, registry
from rnncore.lesson import notebooks


def on_demand(label: str, key: str, where=st, **kwargs):
    """An expander whose content is computed only while it is open: `if (box := on_demand(...)).open:`.

    With on_change="rerun" Streamlit makes the expander a widget whose `.open` is its state; opening it
    reruns the fragment it sits in (else the page). For what a student opens on purpose (tables of every
    number, a second backend's check, graph drawings): a closed one costs the server and the browser nothing."""
    return where.expander(label, key=key, on_change="rerun", **kwargs)


def pin_controls(page: str, recorded: dict, arrays: dict, keys: tuple[str, str], empty: str) -> pinning.Pin | None:
    """*Pin as baseline* and *Unpin*, then what changed since the pin; returns the pin (None: nothing pinned).

    `recorded`: the settings that made this run (compared with the pin's); `arrays`: what to keep of it,
    e.g. outputs (batch, steps, neurons); `keys`: the two buttons' keys; `empty`: the hint shown unpinned."""
    kept = pinning.pinned(st.session_state, page)
    pin_column, unpin_column, note = st.columns([1, 1, 3])
    pin_column.button("Pin as baseline", icon=":material/push_pin:", key=keys[0], on_click=pinning.pin,
                      args=(st.session_state, page, recorded), kwargs=arrays,
                      help="Keep this run's outputs; change settings, then compare the new run with them.")
    unpin_column.button("Unpin", key=keys[1], on_click=pinning.unpin, args=(st.session_state, page),
                        disabled=kept is None)
    if kept is None:
        note.caption(empty)
        return None
    changed = pinning.changed_settings(kept.settings, recorded)
    note.markdown("Changed since the pin: " + ("; ".join(
        "the input table" if key == "table" else f"{key} {old} → {new}" for key, (old, new) in changed.items())
        or "nothing yet: the dashed and solid lines coincide."))
    return kept


def compared_outputs(current: np.ndarray, kept: pinning.Pin) -> pinning.Comparison:
    """The current outputs solid beside the pinned ones dashed, and current − baseline as a heatmap."""
    comparison = pinning.compare(kept.arrays["outputs"], current)
    chart_cache.show(chart_cache.outputs_with_baseline(current, kept.arrays["outputs"]))
    chart_cache.show(chart_cache.difference_heatmap(comparison.difference))
    return comparison


def take_away(run: experiment.Run, page: str) -> None:
    """The link to this experiment, its notebook, and its numbers and notebook code to download."""
    experiment.share_link()
    experiment.notebook_download(page, partial(notebooks.layer_notebook, run.X, run.w, run.outputs, run.state,
                                               run.sequence_length, run.origin,
                                               registry.BY_PATH[page].title))
    experiment.export_panel(run, page)
