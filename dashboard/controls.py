"""Widgets made from the declarations in `state.py`, each bound to its URL query parameter."""
from __future__ import annotations

import streamlit as st

from dashboard.state import SETTINGS


def _initial(key: str) -> dict:
    # Pass a default only when Session State holds no value yet (a preset may have set one):
    # Streamlit warns when a widget gets both.
    return {} if key in st.session_state else {"value": SETTINGS[key].default}


def slider(key: str, where=st, high=None, **kwargs):
    """A slider for a numeric setting; `high` narrows the declared maximum (e.g. to the batch size)."""
    s = SETTINGS[key]
    top = s.high if high is None else min(s.high, high)
    if key in st.session_state and not s.low <= st.session_state[key] <= top:
        st.session_state[key] = min(max(st.session_state[key], s.low), top)
    initial = _initial(key)
    if "value" in initial:
        initial["value"] = min(initial["value"], top)
    return where.slider(s.label, s.low, type(s.default)(top), step=s.step, key=key, bind="query-params",
                        help=s.help or None, **initial, **kwargs)


def select(key: str, where=st, **kwargs):
    s = SETTINGS[key]
    index = {} if key in st.session_state else {"index": s.options.index(s.default)}
    return where.selectbox(s.label, s.options, key=key, bind="query-params", help=s.help or None,
                           **index, **kwargs)


def toggle(key: str, where=st, **kwargs):
    s = SETTINGS[key]
    return where.toggle(s.label, key=key, bind="query-params", help=s.help or None, **_initial(key), **kwargs)
