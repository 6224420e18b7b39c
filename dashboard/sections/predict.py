"""Predict first: a question the student answers before the page shows the answer, then the truth beside it.

`predict_first(question_id)` draws the question in a bordered box at the top of a section. Until the
student commits a prediction (or skips), it returns False and the page keeps the part that gives the
answer away hidden; after, it shows the prediction beside the truth that rnncore computed for the
question's settings, a one-line explanation and the experiment's link, and returns True. Predictions
live in this student's Session State only (a class session stores them in the database instead).
"""
from __future__ import annotations

import streamlit as st

from dashboard import experiment
from rnncore.lesson.questions import QUESTIONS, Question

STATE = "_predictions"  # Session State: question id -> {"answer": value} or {"skipped": True}


@st.cache_data(show_spinner="Computing the true answer…", max_entries=64)
def truth(question_id: str):
    """rnncore's answer to the question, for its own settings (the same for every student)."""
    return QUESTIONS[question_id].truth()


def _kept() -> dict:
    return st.session_state.setdefault(STATE, {})


def _commit(question: Question) -> None:
    raw = st.session_state.get(f"predict_{question.id}")
    try:
        _kept()[question.id] = {"answer": question.parse(raw)}
    except ValueError as reason:
        st.session_state[f"predict_{question.id}_problem"] = str(reason)


def _skip(question: Question) -> None:
    _kept()[question.id] = {"skipped": True}


def _again(question: Question) -> None:
    _kept().pop(question.id, None)


def answer_input(question: Question, key: str, where=st, label: str = "Your prediction"):
    """The input a question takes: a row of choices, or a number box (empty until typed into)."""
    if question.choices:
        return where.radio(label, question.choices, index=None, key=key, horizontal=True)
    return where.number_input(label, value=None, key=key, step=1.0, format="%g")


def shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_note(question: Question, current: dict) -> str | None:
    """A sentence when the page's `current` settings are not the question's: the question and its answer
    stay about its own settings, and the note says which differ. None when they match."""
    changed = [f"{key} {current[key]} (the question's: {value})" for key, value in question.settings.items()
               if key in current and str(current[key]) != str(value)]
    if not changed:
        return None
    return ("This question is about its own settings, not the page's now: " + ", ".join(changed)
            + ". Open the experiment with its settings to see its answer on the page.")


def predict_first(question_id: str, where=st, current: dict | None = None) -> bool:
    """Ask `question_id`; True once the student committed a prediction or skipped it. `current`: the
    page's settings by URL key, so a note says when they are not the question's."""
    question = QUESTIONS[question_id]
    kept = _kept().get(question.id)
    box = where.container(border=True)
    box.markdown(f":material/psychology_alt: **Predict first.** {question.prompt}")
    note = settings_note(question, current) if current is not None else None
    if note:
        box.caption(note)
    if kept is None:
        answer_input(question, f"predict_{question.id}", box)
        problem = st.session_state.pop(f"predict_{question.id}_problem", None)
        if problem:
            box.warning(f"That prediction cannot be used: {problem}.", icon=":material/edit:")
        row = box.container(horizontal=True, gap="small")
        row.button("Commit my prediction", key=f"predict_{question.id}_commit", type="primary",
                   on_click=_commit, args=(question,), help="The answer on this page stays hidden until you "
                   "commit a prediction (or skip).")
        row.button("Skip", key=f"predict_{question.id}_skip", type="tertiary", on_click=_skip, args=(question,))
        return False
    true_value = truth(question.id)
    if kept.get("skipped"):
        box.markdown(f"**The answer:** {shown(true_value)}. {question.explanation}")
    else:
        right = question.is_right(kept["answer"], true_value)
        verdict = ":green[:material/check_circle: right]" if right else ":orange[:material/cancel: not quite]"
        box.markdown(f"**Your prediction:** {shown(kept['answer'])} · **The answer:** {shown(true_value)} "
                     f"({verdict}). {question.explanation}")
    row = box.container(horizontal=True, gap="small")
    experiment.page_link(question.page, row, label="Open the experiment with these settings",
                         query_params=question.query, icon=":material/science:")
    row.button("Predict again", key=f"predict_{question.id}_again", type="tertiary", on_click=_again,
               args=(question,))
    return True
