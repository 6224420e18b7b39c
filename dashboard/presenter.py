"""The presenter view (`?presenter=1`): larger type for a projector, and only the controls a preset's
point needs in view (the others fold into a collapsed "More settings" expander, still bound to the URL).
"""
from __future__ import annotations

import streamlit as st

from dashboard.presets import PRESENTER, PRESENTER_ON, apply, once_per_run, remembered, single_value


@once_per_run
def presenter() -> bool:
    """Whether this is the presenter view. `presenter_style()` asks on every run, from app.py,
    before the page: so `apply` runs first thing, whichever page is open."""
    apply()
    value = single_value(PRESENTER) if PRESENTER in st.query_params else remembered().get(PRESENTER)
    return value in PRESENTER_ON


def presenter_style() -> None:
    """Larger type for a projector when the link carries `?presenter=1`."""
    if presenter():
        st.html("<style>html, .stMarkdown p, .stMarkdown li {font-size: 1.3rem !important;}</style>")


def shown(key: str) -> bool:
    """False in the presenter view for a control that the active preset's point does not need."""
    preset = apply()
    return not (presenter() and preset is not None) or key in preset.controls


def places(keys, where=st) -> dict:
    """A container for each control: `where`, or a collapsed "More settings" expander below the
    shown controls for those that `shown` hides. Use as `slider(key, places(keys, st.sidebar)[key])`."""
    hidden = [key for key in keys if not shown(key)]
    if not hidden:
        return {key: where for key in keys}
    main = where.container()
    more = where.expander("More settings", expanded=False)
    return {key: more if key in hidden else main for key in keys}
