"""Every setting of every page, declared once: its URL key, label, type, range and default.

Widgets are bound to the URL (`bind="query-params"`), so a copied link reproduces an experiment; the
seed is a setting like any other. A URL value that is malformed, out of range, repeated or unknown
is dropped by Streamlit and the default used; `url_notices` says so on the page.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

FAILURE_MESSAGE = ("Something went wrong while computing this page. The settings have not been "
                   "lost: change one and try again, or reset the page. (Details are in the server log.)")


@dataclass(frozen=True)
class Setting:
    key: str                 # URL query parameter and session-state key
    label: str
    default: object
    low: float | None = None   # numeric settings: inclusive range
    high: float | None = None
    step: float | None = None
    options: tuple = ()      # choice settings
    help: str = ""

    def parse(self, raw: str):
        """The value a URL string stands for; ValueError with a short reason when it is not allowed."""
        if self.options:
            if raw not in self.options:
                raise ValueError(f"must be one of {', '.join(map(str, self.options))}")
            return raw
        if isinstance(self.default, bool):
            if raw.lower() not in ("true", "false"):
                raise ValueError("must be true or false")
            return raw.lower() == "true"
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("is not a number") from None
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise ValueError(f"must be between {self.low:g} and {self.high:g}")
        if isinstance(self.default, int):
            if value != int(value):
                raise ValueError("must be a whole number")
            return int(value)
        return value


def _settings(*settings: Setting) -> dict[str, Setting]:
    return {s.key: s for s in settings}


SETTINGS = _settings(
    # the recurrent layer, shared by the pages that run one
    Setting("seed", "Seed", 42, 0, 9999, 1, help="The weights are drawn from this seed: same seed, same numbers."),
    Setting("inputs", "Inputs per step", 3, 1, 8, 1),
    Setting("neurons", "Neurons", 5, 1, 16, 1),
    Setting("steps", "Time steps", 2, 1, 20, 1),
    Setting("batch", "Examples in the batch", 4, 1, 8, 1),
    Setting("scale", "Weight scale", 1.0, 0.1, 3.0, 0.1,
            help="Weights are drawn from Normal(0, scale²). Larger weights saturate tanh sooner."),
    Setting("activation", "Activation", "tanh", options=("tanh", "relu", "linear")),
    # recurrence by hand: which number the filled-in equation shows
    Setting("example", "Example", 0, 0, 7, 1),
    Setting("step", "Time step", 1, 0, 19, 1),
    Setting("neuron", "Neuron", 0, 0, 15, 1),
)

# The length of each example's sequence; the defaults 2, 1, 2, 2 are the book's for the lesson's batch.
SETTINGS |= _settings(*(  # sequence lengths page
    Setting(f"len{i}", f"Length of example {i}", length, 0, 20, 1,
            help="How many steps of this example are real data; the rest of its row is padding.")
    for i, length in enumerate((2, 1, 2, 2, 2, 1, 2, 2))))

SETTINGS |= _settings(  # recurrence by hand page
    Setting("tf1_check", "Check against the lesson's TF1 graph", True,
            help="Builds and runs the TF1 placeholder graph for every new setting: about 20 ms at 2 steps, "
                 "a few hundred at 20. Turn off for quick what-ifs; the NumPy numbers stay."),
)

# Keys that may appear in a URL without being a widget's setting.
URL_EXTRAS = ("preset", "presenter",
              "x")  # x: the by-hand page's edited input table (dashboard/inputs_table.py checks it)


def url_notices(page_keys) -> list[str]:
    """Notices for URL parameters this page will ignore; shown once, when the page first reads them."""
    notices = []
    for key in st.query_params.keys():
        values = st.query_params.get_all(key)
        if key in URL_EXTRAS:
            continue
        if key not in SETTINGS:
            notices.append(f"`{key}` is not a setting of Recurrence Lab; ignored.")
        elif key not in page_keys:
            continue  # another page's setting, kept for when the student goes there
        elif len(values) != 1:
            notices.append(f"`{key}` was given {len(values)} times; using the default "
                           f"{SETTINGS[key].default!r}.")
        else:
            try:
                SETTINGS[key].parse(values[0])
            except ValueError as reason:
                shown = values[0] if len(values[0]) <= 20 else values[0][:20] + "…"
                notices.append(f"`{key}={shown}` {reason}; using the default {SETTINGS[key].default!r}.")
    return notices


def show_url_notices(page_keys) -> None:
    notices = url_notices(page_keys)
    if notices:
        st.warning("Some settings in this link could not be used:\n\n" + "\n".join(f"- {n}" for n in notices),
                   icon="🔗")


def presenter() -> bool:
    return st.query_params.get("presenter") in ("1", "true")


def presenter_style() -> None:
    """Larger type for a projector when the link carries `?presenter=1`."""
    if presenter():
        st.html("<style>html, .stMarkdown p, .stMarkdown li {font-size: 1.3rem !important;}</style>")
