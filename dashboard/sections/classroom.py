"""The class page's sections: start or join a class session, the instructor's panel, the student's view.

Everything shared between students lives in the database through `dashboard.state.classroom` (one `Classroom`
per process, over `dashboard.state.store`'s engine); this module keeps nothing of its own. Who is who travels in
the link, so a reload, a phone that slept or a server restart keeps everyone where they were:
`class?code=K7MPQ2` joins, `&student=<id>` is the student (written on joining), `&secret=<secret>` is
the instructor (the only way to ask, reveal, end or download). The live parts poll the database in
fragments (`st.fragment(run_every=...)`): only they rerun, not the page.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts, experiment
from dashboard.sections import predict
from dashboard.state import classroom
from rnncore.lesson.questions import QUESTIONS

POLL_SECONDS = 2  # how often a student's screen and the instructor's count look at the database
ENDED = "_class_ended_csv"  # Session State: the summary CSV of a session this instructor ended


@st.cache_resource(show_spinner=False)
def room() -> classroom.Classroom:
    """This process's Classroom: its engine is the database's connection pool, not a store of its own."""
    return classroom.Classroom()


def page_url(**query) -> str:
    """This page's own address (no query) with `query`; a relative `class?...` where the address is unknown."""
    parts = urlsplit(st.context.url or "")
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) if parts.netloc else "class"
    return base + ("?" + urlencode(query) if query else "")


def _start() -> None:
    try:
        new = room().start_session()
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)
        return
    st.query_params.update({"code": new.code, "secret": new.secret})


def _join() -> None:
    code = st.session_state.get("class_join_code", "")
    try:
        student = room().join(code)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)
        return
    st.query_params.update({"code": code.strip().upper(), "student": student})


def problem() -> None:
    """The message of the last refused start or join, once."""
    message = st.session_state.pop("_class_problem", None)
    if message:
        st.warning(f"{message[0].upper()}{message[1:]}.", icon=":material/block:")


def start_or_join() -> None:
    problem()
    join, start = st.columns(2)
    with join.container(border=True):
        st.markdown("**Join a class.** Type the code your instructor shows.")
        st.text_input("Join code", key="class_join_code", max_chars=12, placeholder="e.g. K7MPQ2")
        st.button("Join", key="class_join", type="primary", on_click=_join, use_container_width=True)
    with start.container(border=True):
        st.markdown("**Teach a class.** Start a session: you get a join code, a link and a QR code for "
                    "the students, and a private instructor link.")
        st.button("Start a class session", key="class_start", on_click=_start, use_container_width=True)


# --- the instructor --------------------------------------------------------------------------------------

def _ask(code: str, secret: str) -> None:
    question = QUESTIONS[st.session_state["class_question"]]
    try:
        room().set_question(code, secret, question.id, question.settings, predict.truth(question.id),
                            choices=list(question.choices) or None)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)


def _reveal(code: str, secret: str) -> None:
    try:
        room().reveal(code, secret)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)


def _end(code: str, secret: str) -> None:
    try:
        st.session_state[ENDED] = room().end_session(code, secret)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)


def instructor(code: str, secret: str) -> None:
    """The join code, link and QR code; the question to ask, the live count, reveal, next, end."""
    problem()
    join_link = page_url(code=code)
    show, qr = st.columns([3, 1])
    show.markdown(f"### Join code: `{code}`\nStudents open **{join_link}** (or scan the code) on a phone or "
                  "a laptop. The code works for 12 hours.")
    show.caption("This page's own link holds your instructor secret: keep it to yourself (it lets you reopen "
                 "this panel after a reload).")
    if join_link.startswith("http"):  # the page's own address is unknown outside a browser (AppTest)
        qr.image(classroom.qr_png(join_link, scale=6), caption="Join link", width=180)
    st.subheader("Ask a question")
    st.selectbox("Question", list(QUESTIONS), key="class_question",
                 format_func=lambda qid: f"{QUESTIONS[qid].page}: {QUESTIONS[qid].prompt}")
    st.button("Ask the class (the previous question closes)", key="class_ask", type="primary",
              on_click=_ask, args=(code, secret))
    instructor_live(code, secret)
    st.divider()
    row = st.container(horizontal=True, gap="small")
    row.download_button("Download the answers so far (CSV)", lambda: room().summary_csv(code, secret),
                        file_name=f"recurrence-lab_class_{code}.csv", mime="text/csv", on_click="ignore",
                        key="class_download")
    row.button("End the session", key="class_end", on_click=_end, args=(code, secret),
               help="Closes the session for good: the code and this link stop working. You keep the CSV.")


@st.fragment(run_every=POLL_SECONDS)
def instructor_live(code: str, secret: str) -> None:
    """The current question, its answer count (growing without a reload), and Reveal."""
    try:
        current = room().current_question(code)
        count = room().answer_count(code) if current else 0
    except classroom.ClassroomError as reason:
        st.warning(f"{reason}.", icon=":material/block:")
        return
    if current is None:
        st.info("No question asked yet: pick one above and press *Ask the class*.", icon=":material/help:")
        return
    st.markdown(f"**Question {current.number}:** {QUESTIONS[current.question_id].prompt}")
    st.metric("Answers so far", count)
    if not current.revealed:
        st.button("Reveal the answer to everyone", key="class_reveal", on_click=_reveal, args=(code, secret))
    else:
        results_panel(code, current)


# --- the student -----------------------------------------------------------------------------------------

def _answer(code: str, student: str, number: int) -> None:
    question = QUESTIONS[room().current_question(code).question_id]
    nickname = st.session_state.get("class_nickname") or None
    try:
        value = question.parse(st.session_state.get(f"class_answer_{number}"))
        room().answer(code, student, value, nickname=nickname, question=number)
    except (classroom.ClassroomError, ValueError) as reason:
        st.session_state["_class_answer_problem"] = str(reason)


@st.fragment(run_every=POLL_SECONDS)
def student(code: str, student_id: str) -> None:
    """The question the instructor asked, an answer box (changeable until the reveal), then the results."""
    try:
        current = room().current_question(code)
        mine = room().my_answer(code, student_id) if current else None
    except classroom.ClassroomError as reason:
        st.warning(f"{reason}.", icon=":material/block:")
        return
    if current is None:
        st.info("You have joined. The question appears here when your instructor asks it.",
                icon=":material/hourglass_top:")
        return
    question = QUESTIONS[current.question_id]
    st.markdown(f"**Question {current.number}:** {question.prompt}")
    if current.revealed:
        if mine is not None:
            st.markdown(f"**Your answer:** {predict.shown(mine)}")
        results_panel(code, current)
        return
    predict.answer_input(question, f"class_answer_{current.number}", label="Your answer")
    st.button("Send my answer", key=f"class_send_{current.number}", type="primary", use_container_width=True,
              on_click=_answer, args=(code, student_id, current.number))
    problem_text = st.session_state.pop("_class_answer_problem", None)
    if problem_text:
        st.warning(f"That answer was not taken: {problem_text}.", icon=":material/block:")
    if mine is not None:
        st.success(f"Answer received: {predict.shown(mine)}. You can change it until the reveal.",
                   icon=":material/check:")


def nickname_box() -> None:
    st.text_input("Nickname (optional: only your instructor sees it, in the download)", key="class_nickname",
                  max_chars=classroom.MAX_NICKNAME)


# --- after the reveal: the same for everyone ---------------------------------------------------------------

def answers_frame(values, choices) -> pd.DataFrame:
    """The class's answers, tidy: one row per choice with its count (every choice), or one row per number."""
    if choices:
        counts = pd.Series(list(values), dtype=object).value_counts()
        return pd.DataFrame({"answer": list(choices), "count": [int(counts.get(c, 0)) for c in choices]})
    return pd.DataFrame({"answer": [float(v) for v in values]})


@chart_cache.cached_spec
def answers_spec(values: tuple, choices: tuple, truth):
    frame = answers_frame(values, choices)
    if choices:
        frame["is_truth"] = frame["answer"] == truth
    return charts.class_answers(frame, truth, "choice" if choices else "number")


def results_panel(code: str, current) -> None:
    """The truth, the class's answers as a chart with the truth marked, and the experiment unlocked."""
    results = room().results(code, current.number)
    question = QUESTIONS[current.question_id]
    truth = results.question.truth
    st.success(f"**The answer:** {predict.shown(truth)}. {question.explanation}", icon=":material/lightbulb:")
    right = sum(question.is_right(value, truth) for value in results.values)
    st.caption(f"{len(results.values)} answers; {right} right.")
    if results.values:
        chart_cache.show(answers_spec(tuple(results.values), tuple(current.choices or ()), truth))
    experiment.page_link(question.page, label="Open the experiment with these settings",
                         query_params=question.query, icon=":material/science:")
