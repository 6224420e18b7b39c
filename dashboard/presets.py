"""Presets an instructor links to (`?preset=<name>`), and the presenter view (`?presenter=1`).

A preset sets the *starting values* of the settings it names: `controls` give each widget
`default(key)` as its default, so the URL holds only what differs from the preset and
`?preset=long&unr_max_steps=120` means "the long preset, with 120 steps". (Writing the preset's
values into Session State alone does not put them in the URL: a value later moved back to the
setting's ordinary default would drop out of the link, and the link would reopen at the preset's
value. Checked in a browser on Streamlit 1.67.)

`apply()` runs before the first widget of every run (app.py's `presenter.presenter_style()` and
`default` call it; it does its work once per run, `once_per_run`):
- the first time a session sees a preset, it writes the preset's values into Session State, so
  widgets that already hold a value (from another page) move to the preset too;
- a page switch drops the URL parameters that no widget is bound to, so `preset` and `presenter`
  are written back from the session.

The presenter view (`?presenter=1`) lives in `dashboard/presenter.py`; URL notices for a bad `preset`
or `presenter` value in `dashboard/notices.py`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from dashboard import ragged
from dashboard.settings import SETTINGS

PRESET, PRESENTER = "preset", "presenter"
APPLIED = "_preset_applied"      # Session State: the preset whose values were written
REMEMBERED = "_url_extras"       # Session State: preset/presenter values to restore after a page switch
PRESENTER_ON, PRESENTER_OFF = ("1", "true"), ("0", "false")


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    page: str                        # url_path of its page (dashboard/views/<page>.py)
    point: str                       # what it shows, in a sentence
    settings: dict = field(default_factory=dict)  # setting key -> value
    controls: tuple = ()             # the controls its point needs: what the presenter view shows

    @property
    def link(self) -> str:
        """The relative link an instructor shares: `<page>?preset=<name>`."""
        return f"{self.page}?{PRESET}={self.name}"


_LESSON_LAYER = {"inputs": 3, "neurons": 5, "steps": 2, "batch": 4, "seed": 42, "scale": 1.0,
                 "activation": "tanh", "weights": "seeded"}

PRESETS = {p.name: p for p in (
    Preset("lesson", "The lesson's example", "by_hand",
           "The lesson's two-step network: 3 inputs, 5 neurons, its batch of 4 examples, weights from seed 42.",
           _LESSON_LAYER, ("steps", "seed", "scale", "activation", "example", "step", "neuron")),
    Preset("book", "The book's exact numbers", "by_hand",
           "The weights of Hands-On ML ch. 14's manual RNN: Y0 and Y1 match the table printed in the book.",
           _LESSON_LAYER | {"weights": "book"}, ("weights", "example", "step", "neuron", "tf1_check")),
    Preset("long", "A long sequence: static vs dynamic", "unrolling",
           "Up to 50 steps: static_rnn's graph grows with every step, dynamic_rnn's stays the same size.",
           {"unr_max_steps": 50, "unr_tf1": True, "unr_tf2": False, "unr_keras": False,
            "unr_metric": "Operations", "unr_log": False, "unr_draw_steps": 2},
           ("unr_max_steps", "unr_metric", "unr_log", "unr_draw_steps")),
    Preset("fading", "A fading state", "memory",
           "A linear cell with a small Wy (spectral radius 0.8): one pulse at t = 0 dies away step by step.",
           {"activation": "linear", "mem_radius": 0.8, "mem_pattern": "pulse", "mem_steps": 30,
            "mem_amplitude": 1.0, "mem_log": True},
           ("mem_radius", "activation", "mem_log")),
    Preset("exploding", "An exploding state", "memory",
           "A linear cell with a large Wy (spectral radius 1.2): one pulse at t = 0 grows without bound.",
           {"activation": "linear", "mem_radius": 1.2, "mem_pattern": "pulse", "mem_steps": 30,
            "mem_amplitude": 1.0, "mem_log": True},
           ("mem_radius", "activation", "mem_log")),
    Preset("ragged", "A ragged batch", "lengths",
           "Four sequences of lengths 6, 3, 1 and 5, padded to 6 steps: told the lengths or not.",
           ragged.RAGGED_BATCH | {"neurons": 5, "seed": 42, "scale": 1.0, "activation": "tanh"},
           ("steps", *(key for key in ragged.RAGGED_BATCH if key.startswith("len")))),
    Preset("forget_gate", "How long an LSTM keeps a value", "gated",
           "Keras starts an LSTM's forget-gate bias at 1: a written value keeps 73% per step and is below 1% "
           "within 15 steps. Raise the bias and it lasts.",
           {"gate_forget_bias": 1.0, "gate_pulse_steps": 30, "gate_log": True},
           ("gate_forget_bias", "gate_pulse_steps", "gate_log")),
    Preset("hold", "Hold a value for 50 steps", "gated",
           "Gates set by hand write a value once, keep it for k = 50 steps and clear it: the recall task "
           "the Keras lab trains for, solved without training.",
           {"lab_k": 50, "gate_hold_value": 0.8}, ("lab_k", "gate_hold_value")),
    Preset("vanishing", "A vanishing gradient, step by step", "bptt",
           "The lesson's network over 20 steps: the error shrinks at each step back, so the early steps' "
           "contributions to the one shared Wy are some 60,000 times smaller than the last step's.",
           _LESSON_LAYER | {"steps": 20, "step": 19, "bptt_log": True},
           ("steps", "scale", "activation", "example", "step", "neuron", "bptt_log")),
)}


def single_value(key: str) -> str | None:
    """The URL's value for `key` when it is given exactly once, else None."""
    values = st.query_params.get_all(key)
    return values[0] if len(values) == 1 else None


def remembered() -> dict:
    return st.session_state.setdefault(REMEMBERED, {})


def active() -> Preset | None:
    """The preset of this link (or of this session, after a page switch), if it names one."""
    name = single_value(PRESET) if PRESET in st.query_params else remembered().get(PRESET)
    return PRESETS.get(name)


def once_per_run(function):
    """`function()` computed once per script run (a fragment's run included) and kept for the rest of it:
    every control of a page asks for the preset and the view, a few dozen URL and Session State reads each
    time, and within one run the answer cannot change. Outside a run (bare mode), computed every call."""
    name = f"_lab_{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def kept():
        ctx = get_script_run_ctx(suppress_warning=True)
        if ctx is None:
            return function()
        run = ctx.cursors  # a new dict at the start of each run
        memo = vars(ctx).get(name)
        if memo is None or memo[0] is not run:
            memo = vars(ctx)[name] = (run, function())
        return memo[1]
    return kept


@once_per_run
def apply() -> Preset | None:
    """Write a newly seen preset's values into Session State; keep preset/presenter in the URL."""
    kept = remembered()
    for key, allowed in ((PRESET, tuple(PRESETS)), (PRESENTER, PRESENTER_ON + PRESENTER_OFF)):
        value = single_value(key)
        if value in allowed:
            kept[key] = value
        elif key not in st.query_params and key in kept:
            st.query_params[key] = kept[key]  # dropped by a page switch: put it back
    preset = active()
    if preset is not None and st.session_state.get(APPLIED) != preset.name:
        st.session_state[APPLIED] = preset.name
        for key, value in preset.settings.items():
            st.session_state[key] = value
    return preset


def starting_value(key: str, preset: Preset | None = None):
    """The preset's (the active one's unless given) value for a setting, else its declared default."""
    preset = preset or active()
    return preset.settings[key] if preset is not None and key in preset.settings else SETTINGS[key].default


def default(key: str):
    """A widget's default: `starting_value`, after `apply` (which must come before any widget)."""
    return starting_value(key, apply())


def check() -> list[str]:
    """Problems with the presets' own declarations (an unknown key, a value a setting does not allow)."""
    problems = []
    for preset in PRESETS.values():
        for key, value in preset.settings.items():
            if key not in SETTINGS:
                problems.append(f"{preset.name}: {key} is not a declared setting")
                continue
            try:
                if SETTINGS[key].parse(str(value).lower() if isinstance(value, bool) else str(value)) != value:
                    problems.append(f"{preset.name}: {key}={value!r} does not read back from a URL")
            except ValueError as reason:
                problems.append(f"{preset.name}: {key}={value!r} {reason}")
        problems += [f"{preset.name}: control {key} is not a declared setting"
                     for key in preset.controls if key not in SETTINGS]
    return problems
