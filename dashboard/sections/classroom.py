"""The class page's sections: start or join a class session, the student's view, and what everyone sees after
the reveal. The instructor's panel is `class_panel.py`; the projector's screen `views/projector.py`.

Everything shared between students lives in the database through `dashboard.state.classroom` (one `Classroom`
per process, over `dashboard.state.store`'s engine); this module keeps nothing of its own. Who is who:
`class?code=K7MPQ2` joins, `&student=<id>` is the student (written on joining, so a reload or a phone that
slept keeps them in the class). The instructor's secret is never left in an address: the instructor link
(`class?code=...&secret=...`) is read once, the secret kept in this browser tab's Session State and removed
from the address bar (`take_secret`). The live parts poll the database in fragments (`st.fragment(run_every=
...)`): only they rerun, not the page. A message that matters (refused, not saved) stays until the student acts.
"""
from __future__ import annotations

import math
import unicodedata
from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts, experiment
from dashboard.state import classroom
from rnncore.lesson.questions import MAX_ABS_NUMBER, QUESTIONS

# How often a student's screen, the projector and the instructor's count look at the database: what the
# instructor does reaches every screen within this period plus one run of the page (issue 20 asks two seconds;
# `tests/class_load.py --follow` measures it for a class)
POLL_SECONDS = 1.5
SECRETS = "_class_secrets"        # Session State: join code -> the instructor secret, read once from the link
SAVE_LINK = "_class_save_link"    # Session State: the instructor link, offered once after Start
NICKNAME = "_class_nickname"      # Session State: the nickname this student joined with
ANSWER_PROBLEM = "_class_answer_problem"  # Session State: (question number, message), kept until the student acts
FOLLOW = "_class_follow"          # Session State: {"code", "student", "seq"}: the class this tab follows


@st.cache_resource(show_spinner=False)
def room() -> classroom.Classroom:
    """This process's Classroom (its engine is the database's connection pool, not a store of its own); its
    clean-up thread deletes expired sessions on a schedule."""
    shared = classroom.Classroom()
    classroom.start_cleanup(shared)
    return shared


def page_url(url_path: str = "class", **query) -> str:
    """The address of the page `url_path` beside this one, with `query`; relative where the address is unknown."""
    parts = urlsplit(st.context.url or "")
    if not parts.netloc:
        return url_path + ("?" + urlencode(query) if query else "")
    folder = parts.path.rsplit("/", 1)[0]  # keeps a prefix the server is mounted under
    return urlunsplit((parts.scheme, parts.netloc, f"{folder}/{url_path}", urlencode(query), ""))


def say(problem) -> str:
    text = str(problem)
    return f"{text[:1].upper()}{text[1:]}."


# --- the instructor's secret: out of the address bar at once --------------------------------------------

def take_secret(code: str | None) -> str | None:
    """The instructor secret for `code`: read once from the link (then removed from the address bar and kept
    in this tab's Session State), or kept from before. None if this tab is not the instructor's."""
    kept = st.session_state.setdefault(SECRETS, {})
    if "secret" in st.query_params:
        secret = st.query_params["secret"]
        del st.query_params["secret"]  # the address bar shows only the join code from now on
        if not code:
            return None
        try:
            room().check_instructor(code, secret)
        except classroom.ClassroomError as reason:
            st.session_state["_class_problem"] = f"this instructor link cannot be used: {reason}"
        else:
            kept[code.strip().upper()] = secret
    return kept.get(str(code).strip().upper())


def _start() -> None:
    try:
        new = room().start_session()
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)
        return
    st.session_state.setdefault(SECRETS, {})[new.code] = new.secret
    st.session_state[SAVE_LINK] = page_url(code=new.code, secret=new.secret)
    st.query_params.clear()
    st.query_params["code"] = new.code


def _join() -> None:
    code = st.session_state.get("class_join_code", "")
    try:
        nickname = classroom.check_nickname(st.session_state.get("class_join_nickname") or None)
        student = room().join(code)
    except classroom.ClassroomError as reason:
        st.session_state["_class_problem"] = str(reason)
        return
    st.session_state[NICKNAME] = nickname
    st.query_params.update({"code": code.strip().upper(), "student": student})


def problem() -> None:
    """The message of the last refused start or join, once (the page reruns only when the user acts)."""
    message = st.session_state.pop("_class_problem", None)
    if message:
        st.warning(say(message), icon=":material/block:")


def start_or_join(code: str | None = None) -> None:
    problem()
    join, start = st.columns(2)
    with join.container(border=True):
        st.markdown("**Join a class.** Type the code your instructor shows.")
        if code:
            st.session_state.setdefault("class_join_code", code)
        st.text_input("Join code", key="class_join_code", max_chars=12, placeholder="e.g. K7MPQ2")
        st.text_input("Nickname (optional: only your instructor sees it, in the download)",
                      key="class_join_nickname", max_chars=classroom.MAX_NICKNAME)
        st.button("Join", key="class_join", type="primary", on_click=_join, width="stretch")
    with start.container(border=True):
        st.markdown("**Teach a class.** Start a session: you get a private panel to ask and reveal, a "
                    "projector view with the join code and QR code, and an instructor link to save.")
        st.button("Start a class session", key="class_start", on_click=_start, width="stretch")
        if code:
            st.caption("Instructor of this session? Open the instructor link you saved to reopen your panel.")


# --- the student -----------------------------------------------------------------------------------------

def number_from_text(raw) -> float:
    """A number typed on any keyboard, or ValueError saying what to type instead. Phone keyboards give "−"
    (U+2212), full-width or Arabic-Indic digits (read as the digits they are) and a decimal comma."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().replace("\u2212", "-").replace(" ", "")
    if not text:
        raise ValueError("type a number first")
    if "," in text:
        raise ValueError(f"{raw.strip()} has a comma: write decimals with a point (3.5) and no thousands separator")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{raw.strip()[:20]} is not a number: type digits such as 45 or 0.5") from None
    if math.isnan(value):
        raise ValueError(f"{raw.strip()} is not a number the lab can use: type digits such as 45 or 0.5")
    if not abs(value) <= MAX_ABS_NUMBER:
        raise ValueError(f"{raw.strip()[:20]} is too large: the lab takes numbers within ±{MAX_ABS_NUMBER:g}")
    return value


def tolerance_text(question) -> str:
    """What counts as right for a number question (nothing for a choice)."""
    if question.choices:
        return ""
    if not question.tolerance:
        return "Counted right only if exact."
    return f"Counted right within ±{question.tolerance:.0%} of the true answer."


def _clear_problem() -> None:
    st.session_state.pop(ANSWER_PROBLEM, None)


def _answer(code: str, student: str, number: int) -> None:
    _clear_problem()
    raw = st.session_state.get(f"class_answer_{number}")
    try:
        question = QUESTIONS[room().current_question(code).question_id]
        value = question.parse(raw) if question.choices else number_from_text(raw)
        room().answer(code, student, value, nickname=st.session_state.get(NICKNAME), question=number)
    except classroom.NotSaved as reason:
        st.session_state[ANSWER_PROBLEM] = (number, f"Not saved: {reason}.")
    except (classroom.ClassroomError, ValueError) as reason:
        st.session_state[ANSWER_PROBLEM] = (number, f"That answer was not taken: {reason}.")


def answer_box(question, key: str) -> None:
    """A row of choices, or a text box the lab reads (a phone's number box drops what it cannot read)."""
    if question.choices:
        st.radio("Your answer", question.choices, index=None, key=key, horizontal=True, on_change=_clear_problem)
    else:
        st.text_input("Your answer (a number)", key=key, placeholder="e.g. 45", on_change=_clear_problem,
                      max_chars=40)


def follow_if_sent(code: str, student_id: str) -> None:
    """Open the experiment the instructor sent the class to, once per sending (see class_follow)."""
    follow = room().following(code)
    state = st.session_state.setdefault(FOLLOW, {"code": code, "student": student_id, "seq": 0})
    if state.get("code") != code:
        state.update(code=code, student=student_id, seq=0)
    if follow is None or follow.seq <= state["seq"]:
        state.pop("page", None)  # here on the class page, this tab follows no experiment
        return
    state["seq"] = follow.seq
    if follow.page:
        state["page"] = follow.page
        experiment.switch_page(follow.page, follow.query)


@st.fragment(run_every=POLL_SECONDS)
def student(code: str, student_id: str) -> None:
    """The question the instructor asked, an answer box (changeable until the reveal), then the results."""
    try:
        follow_if_sent(code, student_id)
        current = room().current_question(code)
        mine = room().my_answer(code, student_id) if current else None
    except classroom.NotSaved as reason:
        st.warning(f"{say(reason)} This screen tries again every {POLL_SECONDS} s.", icon=":material/sync_problem:")
        return
    except classroom.ClassroomError as reason:
        st.warning(say(reason), icon=":material/block:")
        return
    if current is None:
        st.info("You have joined. The question appears here when your instructor asks it.",
                icon=":material/hourglass_top:")
        return
    question = QUESTIONS[current.question_id]
    st.markdown(f"**Question {current.number}:** {question.prompt}")
    if tolerance_text(question):
        st.caption(tolerance_text(question))
    if current.revealed:
        results_panel(code, current, mine)
        return
    answer_box(question, f"class_answer_{current.number}")
    st.button("Send my answer", key=f"class_send_{current.number}", type="primary", width="stretch",
              on_click=_answer, args=(code, student_id, current.number))
    kept = st.session_state.get(ANSWER_PROBLEM)
    if kept and kept[0] == current.number:  # until the student sends again or changes the answer
        st.warning(kept[1], icon=":material/block:")
    if mine is not None:
        st.success(f"Answer received: {classroom.plain(mine)}. You can change it until the reveal.",
                   icon=":material/check:")


def nickname_line() -> None:
    nickname = st.session_state.get(NICKNAME)
    st.caption(f"Answering as **{nickname}** (only your instructor sees it)." if nickname else
               "Answering without a nickname.")


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


def results_panel(code: str, current, mine=None, experiment_link: bool = True) -> None:
    """The truth, the student's own verdict, the class's answers as a chart with the truth marked, and the
    experiment unlocked."""
    results = room().results(code, current.number)
    question = QUESTIONS[current.question_id]
    truth = results.question.truth
    if mine is not None:
        right = classroom.is_right(mine, truth, current.tolerance)
        verdict = ":green[:material/check_circle: right]" if right else ":orange[:material/cancel: not quite]"
        st.markdown(f"**Your answer:** {classroom.plain(mine)} ({verdict})")
    st.success(f"**The answer:** {classroom.plain(truth)}. {question.explanation}", icon=":material/lightbulb:")
    within = f" (within ±{current.tolerance:.0%})" if current.tolerance and not current.choices else ""
    st.caption(f"{len(results.values)} answers; {results.right} right{within}.")
    if results.values:
        chart_cache.show(answers_spec(tuple(results.values), tuple(current.choices or ()), truth))
    if experiment_link:
        experiment.page_link(question.page, label="Open the experiment with these settings",
                             query_params=question.query, icon=":material/science:")
