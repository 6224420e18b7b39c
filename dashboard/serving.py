"""Process-wide adjustments for serving a class from one Streamlit process.

After every script run of every session, Streamlit 1.67 calls `keras.backend.clear_session()` once
Keras 3 has been imported (its `_clean_problem_modules`). That is a full garbage collection, about
200 ms per re-render here on every page, and it resets Keras' global state under any other session
that is training in the Keras lab at that moment. rnncore builds its Keras layers and models inside
each call and never relies on Keras' global state between runs, so the clean-up is switched off.
"""
from streamlit.runtime.scriptrunner import script_runner

STREAMLIT_CLEAN_UP = script_runner._clean_problem_modules  # Streamlit's own, kept for the tests


def _keep_keras_state() -> None:
    """What Streamlit's clean-up still does for us: nothing (we use no matplotlib)."""


def configure() -> None:
    script_runner._clean_problem_modules = _keep_keras_state
