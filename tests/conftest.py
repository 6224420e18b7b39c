import os
import tempfile
from pathlib import Path

# Before anything imports TensorFlow: the lesson's BasicRNNCell needs legacy Keras.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The class sessions and finished runs of a test run go to a database of its own, never the user's.
os.environ.setdefault("RECURRENCE_LAB_DB_PATH", str(Path(tempfile.mkdtemp(prefix="recurrence-lab-")) / "lab.sqlite3"))


def pytest_terminal_summary(terminalreporter):
    """List what tests recorded with `record_property("tried", ...)`: hostile cases, sessions, memory."""
    tried = [(report.nodeid, value) for report in terminalreporter.stats.get("passed", [])
             if report.when == "call" for key, value in report.user_properties if key == "tried"]
    if tried:
        terminalreporter.write_sep("-", "what the tests tried")
        for nodeid, value in tried:
            terminalreporter.write_line(f"{nodeid.split('::')[-1]}: {value}")


# Modules that train Keras models, start servers or run subprocesses of TensorFlow: `make test-fast` leaves
# them out (with tests/browser/) for the inner loop; `make test` runs everything.
SLOW_MODULES = {"test_training.py", "test_text.py", "test_page_keras_lab.py", "test_page_text_lab.py", "test_caps.py",
                "test_class_load.py", "test_serve_class.py", "test_codegen.py", "test_gated_codegen.py",
                "test_benchmark_smoke.py", "test_notebooks.py", "test_workers.py"}


# The browser tests that drive a whole class of Chromium pages at once: each loads both cores by itself, and
# two of them at once on two workers left pages waiting past their timeouts. `make test` runs them one after
# the other on one worker (`--dist loadgroup`: one group per file, these three files one group).
CLASS_OF_BROWSERS = {"test_class_session.py", "test_many_sessions.py", "test_class_phone.py"}


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        group = "class-of-browsers" if item.path.name in CLASS_OF_BROWSERS else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(name=group))
