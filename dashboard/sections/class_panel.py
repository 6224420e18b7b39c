"""The instructor's private panel: ask, reveal, send the class to an experiment, the session's summary, the
downloads, end. It is for the instructor's own screen; the room sees the projector view (`views/projector.py`),
whose address holds no secret. The secret comes from `classroom.take_secret` (never from the address bar).
Actions that cannot be undone (a new question over an unrevealed one, End) ask first."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.sections import predict
from dashboard.sections.classroom import (POLL_SECONDS, SAVE_LINK, page_url, problem, results_panel, room, say,
                                          tolerance_text)
from dashboard.state import classroom
from rnncore.lesson.questions import QUESTIONS

ENDED = "_class_ended_csv"  # Session State: (answers CSV, summary CSV) of a session this instructor ended
CONFIRM = "_class_confirm"  # Session State: "ask" or "end" while the panel asks whether to go on


def _act(action, *args) -> None:
    try:
        action(*args)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)


def _ask(code: str, secret: str, confirmed: bool = False) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        current = room().current_question(code)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)
        return
    if current is not None and not current.revealed and not confirmed:
        st.session_state[CONFIRM] = "ask"  # question N would close unrevealed: ask first
        return
    question = QUESTIONS[st.session_state["class_question"]]
    _act(lambda: room().set_question(code, secret, question.id, question.settings, predict.truth(question.id),
                                     choices=list(question.choices) or None, tolerance=question.tolerance))


def _end(code: str, secret: str) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        st.session_state[ENDED] = room().end_session(code, secret)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)


def _confirm(what: str) -> None:
    st.session_state[CONFIRM] = what


def _cancel() -> None:
    st.session_state.pop(CONFIRM, None)


def save_link_once() -> None:
    """The instructor link, shown until the instructor says it is saved; never again after that."""
    link = st.session_state.get(SAVE_LINK)
    if not link:
        return
    with st.container(border=True):
        st.markdown(":material/key: **Save your instructor link now** (a bookmark or a password manager). It "
                    "reopens this panel after a reload or on another computer. It is shown only this once: "
                    "do not show it on the projector.")
        st.code(link, language=None, wrap_lines=True)
        st.button("I have saved it", key="class_saved_link", on_click=lambda: st.session_state.pop(SAVE_LINK, None))


def _pick_open_question(code: str) -> None:
    """The picker starts on the question the class is on (after a reload, not on the first in the list)."""
    if "class_question" in st.session_state:
        return
    try:
        current = room().current_question(code)
    except classroom.ClassroomError:
        return
    if current is not None and current.question_id in QUESTIONS:
        st.session_state["class_question"] = current.question_id


def instructor(code: str, secret: str) -> None:
    """The join code and the projector's link; the question to ask, the live count, reveal, send, end."""
    problem()
    save_link_once()
    projector = page_url("projector", code=code)
    show, open_projector = st.columns([3, 1], vertical_alignment="center")
    show.markdown(f"### Join code: `{code}`\nStudents open **{page_url(code=code)}** on a phone or a laptop. "
                  "The code works for 12 hours. Put the projector view on the big screen: it shows the code, "
                  "the QR code and the question, and nothing that controls the class.")
    open_projector.link_button("Open the projector view", projector, icon=":material/co_present:",
                               width="stretch")
    st.header("Ask a question")
    _pick_open_question(code)
    st.selectbox("Question", list(QUESTIONS), key="class_question",
                 format_func=lambda qid: f"{QUESTIONS[qid].page}: {QUESTIONS[qid].prompt}")
    if st.session_state.get(CONFIRM) == "ask":
        with st.container(border=True):
            st.warning("The open question has not been revealed: asking a new one closes it for good, and "
                       "the class never sees its answer.", icon=":material/warning:")
            row = st.container(horizontal=True, gap="small")
            row.button("Ask anyway", key="class_ask_confirm", type="primary", on_click=_ask,
                       args=(code, secret, True))
            row.button("Keep the open question", key="class_ask_cancel", on_click=_cancel)
    else:
        st.button("Ask the class", key="class_ask", type="primary", on_click=_ask, args=(code, secret))
    instructor_live(code, secret)
    st.divider()
    row = st.container(horizontal=True, gap="small")
    row.download_button("Download every answer (CSV)", lambda: room().summary_csv(code, secret),
                        file_name=f"recurrence-lab_class_{code}.csv", mime="text/csv", on_click="ignore",
                        key="class_download")
    row.download_button("Download the summary (CSV)", lambda: room().summary_table_csv(code, secret),
                        file_name=f"recurrence-lab_class_{code}_summary.csv", mime="text/csv", on_click="ignore",
                        key="class_download_summary")
    if st.session_state.get(CONFIRM) == "end":
        st.warning("End the session for everyone? The code and your link stop working; you keep the CSVs.",
                   icon=":material/warning:")
        row = st.container(horizontal=True, gap="small")
        row.button("End it", key="class_end_confirm", type="primary", on_click=_end, args=(code, secret))
        row.button("Keep the session", key="class_end_cancel", on_click=_cancel)
    else:
        row.button("End the session", key="class_end", on_click=_confirm, args=("end",),
                   help="Asks first. Closes the session for good: the code and your link stop working.")


@st.fragment(run_every=POLL_SECONDS)
def instructor_live(code: str, secret: str) -> None:
    """The current question, its answer count (growing without a reload), Reveal, Send, and the summary."""
    try:
        current = room().current_question(code)
        count = room().answer_count(code) if current else 0
        follow = room().following(code)
    except classroom.ClassroomError as reason:
        st.warning(say(reason), icon=":material/block:")
        return
    if current is None:
        st.info("No question asked yet: pick one above and press *Ask the class*.", icon=":material/help:")
        return
    question = QUESTIONS[current.question_id]
    st.markdown(f"**Question {current.number}:** {question.prompt}")
    if tolerance_text(question):
        st.caption(tolerance_text(question))
    st.metric("Answers so far", count)
    if not current.revealed:
        st.button("Reveal the answer to everyone", key="class_reveal", type="primary",
                  on_click=_act, args=(room().reveal, code, secret))
    else:
        results_panel(code, current)
    row = st.container(horizontal=True, gap="small")
    row.button("Send the class to this experiment", key="class_send_class", icon=":material/groups:",
               on_click=_act, args=(room().send_class, code, secret, question.page, question.query),
               help="Every joined student's screen opens the experiment with these settings.")
    if follow is not None and follow.page:
        row.button("Bring everyone back", key="class_bring_back", icon=":material/undo:",
                   on_click=_act, args=(room().send_class, code, secret, None))
        st.caption(f"The class was sent to *{follow.page}*.")
    summary(code, secret)


def summary_frame(questions: list[classroom.QuestionSummary]) -> pd.DataFrame:
    return pd.DataFrame({
        "Question": [q.number for q in questions],
        "Asked": [QUESTIONS[q.question_id].prompt if q.question_id in QUESTIONS else q.question_id
                  for q in questions],
        "Answers": [q.answers for q in questions],
        "Right": [q.right for q in questions],
        "Share right": [None if q.share_right is None else round(100 * q.share_right) for q in questions],
        "Spread": [q.spread for q in questions],
        "Revisit": ["revisit" if q.revisit else "" for q in questions]})


def summary(code: str, secret: str) -> None:
    """Every question so far: the share right, the spread, and which to spend time on."""
    questions = room().summary(code, secret)
    st.header("Session summary")
    if not questions:
        return
    st.dataframe(summary_frame(questions), hide_index=True,
                 column_config={"Share right": st.column_config.NumberColumn(format="%d %%")})
    revisit = [q for q in questions if q.revisit]
    if revisit:
        worst = min(revisit, key=lambda q: q.share_right)
        st.markdown(f":orange[:material/flag:] **Revisit:** question {', '.join(str(q.number) for q in revisit)} "
                    f"(fewest right: question {worst.number}, {worst.share_right:.0%}).")
    else:
        st.caption(f"No question to revisit: each answered one had at least "
                   f"{classroom.REVISIT_BELOW:.0%} of the class right.")
