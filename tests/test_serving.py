"""Streamlit's per-run Keras clean-up is off: it cost ~200 ms on every re-render once Keras was loaded."""
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from tests.apptest import open_page
from dashboard.serving import STREAMLIT_CLEAN_UP
from rnncore.tf.runtime import keras


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


def test_streamlits_private_clean_up_hook_is_still_there():
    """dashboard/serving.py switches off a private function of Streamlit's; an upgrade that removes or
    renames it must fail here, with what to do, not silently bring back ~200 ms per re-render."""
    import streamlit

    hook = getattr(script_runner, "_clean_problem_modules", None)
    assert callable(hook), (
        f"Streamlit {streamlit.__version__} has no callable streamlit.runtime.scriptrunner.script_runner."
        "_clean_problem_modules: dashboard/serving.py's switch no longer applies. Find where this version "
        "calls keras.backend.clear_session() after a script run and switch that off instead (then update "
        "serving.py, this test and the pin in requirements.txt).")
    import inspect

    assert "clear_session" in inspect.getsource(STREAMLIT_CLEAN_UP), (
        "Streamlit's _clean_problem_modules no longer clears Keras: serving.py's switch may be unneeded; "
        "measure a re-render with Keras loaded (make bench) before removing it.")


def test_tensorflow_is_preloaded_in_a_served_process_only(monkeypatch):
    """AppTest's runtime is a mock, so the page tests never preload; a real server does, unless
    RECURRENCE_LAB_PRELOAD_TF=0."""
    from streamlit.runtime import Runtime

    from dashboard import serving

    monkeypatch.delenv(serving.PRELOAD_ENV, raising=False)
    assert not serving.preload_wanted()  # no runtime, or AppTest's mock
    monkeypatch.setattr(Runtime, "_instance", object.__new__(Runtime))
    assert serving.preload_wanted()
    for off in ("0", "false", "off"):
        monkeypatch.setenv(serving.PRELOAD_ENV, off)
        assert not serving.preload_wanted()
    monkeypatch.setattr(serving, "_preload", None)
    first = serving.preload_tensorflow()
    assert serving.preload_tensorflow() is first  # once per process
    first.join(120)
    import sys

    assert not first.is_alive() and "tensorflow" in sys.modules and "keras" in sys.modules


def test_a_served_process_imports_tensorflow_in_the_background(tmp_path):
    """A live server with the default setting maps TensorFlow's library after a first view of the
    overview page, a TensorFlow-free page: nobody opened a TensorFlow page."""
    from tests.at_once import run_async
    import time

    from tests.browser.conftest import running_server
    from tests.class_load import Student, server_family

    def tensorflow_mapped(server) -> bool:
        return any("libtensorflow" in m.path for m in server.memory_maps())

    async def open_overview(base_url: str) -> list:
        student = Student(base_url, 0)
        await student.connect()
        try:
            return (await student.open("/")).errors
        finally:
            await student.close()

    with running_server(tmp_path / "streamlit.log") as base_url:
        server = server_family(int(base_url.rsplit(":", 1)[1]))
        assert not tensorflow_mapped(server)
        assert run_async(open_overview(base_url)) == []
        deadline = time.monotonic() + 120
        while not tensorflow_mapped(server):
            assert time.monotonic() < deadline, "the server never imported TensorFlow"
            time.sleep(0.5)
