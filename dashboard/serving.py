"""Process-wide adjustments for serving a class from a Streamlit process.

After every script run of every session, Streamlit 1.67 calls `keras.backend.clear_session()` once
Keras 3 has been imported (its `_clean_problem_modules`). That is a full garbage collection on every
re-render of every page (`make bench`'s "Keras 3 loaded" column times the re-renders without it), and
it resets Keras' global state under any other session that is training in the Keras lab at that moment.
rnncore builds its Keras layers and models inside each call and never relies on Keras' global state
between runs, so the clean-up is switched off.

A served process also starts importing TensorFlow and Keras 3 in a background thread on its first
script run (seconds and hundreds of MB), so that no student who opens a TensorFlow page waits for it:
the pages that need no TensorFlow still never import it themselves. RECURRENCE_LAB_PRELOAD_TF=0 switches
this off (for a host with little memory, where only some classes use the TensorFlow pages). Streamlit's
AppTest (the page tests) never preloads: those tests check which pages import TensorFlow.
"""
import logging
import os
import threading

from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import script_runner

STREAMLIT_CLEAN_UP = script_runner._clean_problem_modules  # Streamlit's own, kept for the tests
PRELOAD_ENV = "RECURRENCE_LAB_PRELOAD_TF"

_preload_lock = threading.Lock()
_preload: threading.Thread | None = None


def _keep_keras_state() -> None:
    """What Streamlit's clean-up still does for us: nothing (we use no matplotlib)."""


def preload_wanted() -> bool:
    """Unless RECURRENCE_LAB_PRELOAD_TF is 0/false/no/off, in a real server (AppTest's runtime is a mock)."""
    if os.environ.get(PRELOAD_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return type(Runtime._instance) is Runtime


def _import_tensorflow() -> None:
    from rnncore.tf.runtime import keras

    try:
        keras()  # TensorFlow first, then Keras 3, under rnncore.tf.runtime's lock
    except Exception:  # a page that needs it will raise the same error where a student can see it
        logging.getLogger(__name__).exception("preloading TensorFlow failed")


def preload_tensorflow() -> threading.Thread:
    """Start importing TensorFlow in a daemon thread, once per process; returns that thread."""
    global _preload
    with _preload_lock:
        if _preload is None:
            _preload = threading.Thread(target=_import_tensorflow, name="recurrence-lab-preload-tf", daemon=True)
            _preload.start()
        return _preload


def configure() -> None:
    script_runner._clean_problem_modules = _keep_keras_state
    if preload_wanted():
        preload_tensorflow()
