"""Importing rnncore pulls in no UI library, and no TensorFlow until a TensorFlow path runs."""
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import rnncore

ROOT = Path(__file__).resolve().parents[1]
UI = ("streamlit", "altair")
TF = ("tensorflow", "keras", "tf_keras")
SUBMODULES = sorted(module.name for module in pkgutil.walk_packages(rnncore.__path__, "rnncore."))
STATE = ("sqlalchemy", "psycopg", "huey", "redis", "sqlite3")  # a database or a queue: dashboard.state's
NO_TF_NEEDED = ["rnncore", "rnncore.manual", "rnncore.config", "rnncore.validate", "rnncore.lesson.book"]

# Imports each module in turn and prints, per module, which watched modules sys.modules holds after it:
# sys.modules only grows, so a module that pulled one in shows it from there on.
PROBE = """
import importlib, json, sys
modules, watched, code = json.loads(sys.argv[1])
exec(code)
loaded = {}
for module in modules:
    importlib.import_module(module)
    loaded[module] = sorted(set(sys.modules) & set(watched))
print(json.dumps(loaded))
"""


def loaded_after(modules, watched, code: str = "") -> dict:
    """In a fresh interpreter at the repo root: run `code`, import `modules`, report `watched` loaded."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps([modules, watched, code])], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_submodules_are_found():
    assert {"rnncore.manual", "rnncore.tf.unroll_tf1", "rnncore.tf.unroll_tf2", "rnncore.tf.graphs",
            "rnncore.lesson.questions"} <= set(SUBMODULES)


def test_rnncore_holds_no_database_or_queue():
    """The class's state (its database, its training queue) is dashboard.state's, not the maths library's."""
    modules = ["rnncore"] + SUBMODULES
    assert loaded_after(modules, STATE) == {module: [] for module in modules}


def test_the_state_package_imports_no_ui_library():
    modules = ["dashboard.state.store", "dashboard.state.classroom", "dashboard.state.jobs"]
    assert loaded_after(modules, UI) == {module: [] for module in modules}


def test_the_probe_sees_an_import():
    assert loaded_after(["json", "csv"], ["csv", "sqlite3"]) == {"json": [], "csv": ["csv"]}


def test_importing_rnncore_imports_no_ui_library_and_no_tensorflow():
    assert loaded_after(NO_TF_NEEDED, UI + TF) == {module: [] for module in NO_TF_NEEDED}


def test_no_submodule_imports_a_ui_library_or_tensorflow_at_import():
    """TensorFlow comes only through rnncore.tf.runtime's functions, so even the TF modules import none."""
    modules = ["rnncore"] + SUBMODULES
    assert loaded_after(modules, UI + TF) == {module: [] for module in modules}


def test_a_numpy_run_needs_no_tensorflow():
    run = ("from rnncore import run_manual\nfrom rnncore.lesson.book import LESSON_X, book_weights\n"
           "r = run_manual(LESSON_X, book_weights(), sequence_length=[2, 1, 2, 2])\n"
           "assert r.outputs.shape == (4, 2, 5) and not r.outputs[1, 1].any()")
    assert loaded_after(["rnncore.manual"], UI + TF, run) == {"rnncore.manual": []}


def test_a_bad_kind_loop_or_path_is_refused_before_tensorflow_is_imported():
    refuse = ("import pytest\nfrom rnncore import init_weights\nfrom rnncore.tf.graphs import measure\n"
              "from rnncore.tf.unroll_tf1 import build\nfrom rnncore.tf.unroll_tf2 import make_tf2_function\n"
              "w = init_weights()\n"
              "with pytest.raises(ValueError, match=\"kind must be one of.*'bidirectional'\"):\n"
              "    build('bidirectional', 3, w)\n"
              "with pytest.raises(ValueError, match=\"loop must be one of.*'scan'\"):\n"
              "    make_tf2_function(w, 3, 'scan', False)\n"
              "with pytest.raises(ValueError, match=\"path must be one of.*'xla'\"):\n"
              "    measure('xla', 3, w)\n")
    assert loaded_after(["rnncore"], TF, refuse) == {"rnncore": []}


def test_tensorflow_thread_count_from_the_environment(monkeypatch):
    from rnncore.tf.runtime import op_threads

    for text, threads in (("1", 1), ("2", 2), (" 4 ", 4), ("0", 1), ("-3", 1), ("two", 1), ("", 1), ("1e9", 1),
                          ("999", 64)):
        monkeypatch.setenv("RECURRENCE_LAB_TF_THREADS", text)
        assert op_threads() == threads, text
    monkeypatch.delenv("RECURRENCE_LAB_TF_THREADS")
    assert op_threads() == 1


def test_tensorflow_runs_one_thread_per_operation_by_default():
    """Set before anything ran (tests/conftest.py leaves the variable unset)."""
    from rnncore.tf.runtime import tf

    assert tf().config.threading.get_intra_op_parallelism_threads() == 1
    assert tf().config.threading.get_inter_op_parallelism_threads() == 1
