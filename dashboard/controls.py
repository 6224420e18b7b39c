"""Widgets made from the declarations in `dashboard/settings.py`, each bound to its URL query parameter."""
from __future__ import annotations

import streamlit as st

from dashboard import presets
from dashboard.settings import SETTINGS


def _initial(key: str) -> dict:
    # Always pass the default (the active preset's, else the declared one): the URL leaves out a value
    # equal to the widget's default, and without one that default is the slider's minimum, so a link
    # to the minimum would reopen at the declared default. (Streamlit logs a warning, once, when code
    # has also set the value in Session State; the Session State value wins, as intended.)
    return {"value": presets.default(key)}


def slider(key: str, where=st, high=None, **kwargs):
    """A slider for a numeric setting; `high` narrows the declared maximum (e.g. to the batch size)."""
    s = SETTINGS[key]
    top = s.high if high is None else min(s.high, high)
    if key in st.session_state and not s.low <= st.session_state[key] <= top:
        st.session_state[key] = min(max(st.session_state[key], s.low), top)
    return where.slider(s.label, s.low, type(s.default)(top), step=s.step, key=key, bind="query-params",
                        help=s.help or None, value=min(presets.default(key), top), **kwargs)


def select(key: str, where=st, **kwargs):
    s = SETTINGS[key]
    return where.selectbox(s.label, s.options, key=key, bind="query-params", help=s.help or None,
                           index=s.options.index(presets.default(key)), **kwargs)


def toggle(key: str, where=st, **kwargs):
    s = SETTINGS[key]
    return where.toggle(s.label, key=key, bind="query-params", help=s.help or None, **_initial(key), **kwargs)


def strip(page: str, count: int, where=st) -> list:
    """`count` columns in a bordered box of the main area, for the controls a page is about, placed just
    above the chart they drive: on a phone (columns stack below 640 px) a student moves them without
    opening the sidebar and sees the chart on the same screen. The page's other settings stay in the
    sidebar. Keyed, so tests and styles find it: `.st-key-<page>_controls`."""
    return where.container(border=True, key=f"{page}_controls").columns(count)
