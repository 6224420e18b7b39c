"""Follow the instructor: a student whose class was sent to an experiment sees, on that page, a banner saying so
with a way back, and is brought back (or sent on) when the instructor says. app.py calls `banner` on every page.

The class page's student fragment opens the experiment (`classroom.follow_if_sent`); from then on this tab's
Session State (`classroom.FOLLOW`) remembers the class, and the fragment here polls where the class is.
Students are free to change the experiment's settings meanwhile: nothing here touches them.
"""
from __future__ import annotations

import streamlit as st

from dashboard import experiment
from dashboard.sections.classroom import FOLLOW, POLL_SECONDS, room
from dashboard.state import classroom


def banner(url_path: str) -> None:
    """On the experiment the class was sent to: the banner, the way back, and the watch for the next move."""
    state = st.session_state.get(FOLLOW)
    if not state or not state.get("page") or url_path == "class":
        return
    with st.container(border=True, key="class_follow_banner"):
        st.markdown(":material/groups: **Your instructor sent the class here**, with the settings of the "
                    "question. Change them as you like.")
        experiment.page_link("class", label="Back to the class session", icon=":material/arrow_back:",
                             query_params={"code": state["code"], "student": state["student"]})
    watch()


@st.fragment(run_every=POLL_SECONDS)
def watch() -> None:
    state = st.session_state.get(FOLLOW)
    if not state:
        return
    try:
        follow = room().following(state["code"])
    except classroom.ClassroomError:
        return  # the session ended or the database is down: the student stays where they are
    if follow is None or follow.seq <= state["seq"]:
        return
    state["seq"] = follow.seq
    if follow.page:
        state["page"] = follow.page
        experiment.switch_page(follow.page, follow.query)
    state.pop("page", None)
    experiment.switch_page("class", {"code": state["code"], "student": state["student"]})
