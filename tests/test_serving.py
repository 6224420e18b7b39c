"""Streamlit's per-run Keras clean-up is off: it cost ~200 ms on every re-render once Keras was loaded."""
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from apptest import open_page
from dashboard.serving import STREAMLIT_CLEAN_UP
from rnncore.tfimport import keras


def _count_clear_session(monkeypatch) -> list:
    calls = []
    monkeypatch.setattr(keras().backend, "clear_session", lambda *a, **k: calls.append(1))
    return calls


def test_streamlit_clears_keras_after_a_run_unless_told_not_to(monkeypatch):
    """Without our configure(), Streamlit's own clean-up runs (so the next test means something)."""
    calls = _count_clear_session(monkeypatch)
    monkeypatch.setattr(script_runner, "_clean_problem_modules", STREAMLIT_CLEAN_UP)
    AppTest.from_string("import streamlit as st\nst.write('hi')").run()
    assert calls


def test_the_app_keeps_keras_state_between_runs(monkeypatch):
    monkeypatch.setattr(script_runner, "_clean_problem_modules", STREAMLIT_CLEAN_UP)  # as on a fresh server
    calls = _count_clear_session(monkeypatch)
    at = open_page("overview")
    at.run()
    assert not calls
