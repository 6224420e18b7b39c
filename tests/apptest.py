"""Open a dashboard page through the real entry point with Streamlit's AppTest."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.notices import FAILURE_MESSAGE

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
FIRST_RENDER_TIMEOUT = 60  # seconds: a first TensorFlow page includes TF's import (2-3 s alone)


def open_page(page: str, query: dict | None = None, timeout: float = FIRST_RENDER_TIMEOUT) -> AppTest:
    """Run app.py with `query` in the URL, switch to dashboard/views/<page>.py and render it."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"views/{page}.py")
    at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No exception element and no friendly failure message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if FAILURE_MESSAGE in e.value], "the page reported a failure"


def tensorflow_imported_by(page: str, query: dict | None = None) -> bool:
    """Whether rendering `page` once, in a fresh Python process, imports TensorFlow."""
    import subprocess
    import sys

    root = Path(APP).parents[1]
    code = (f"import sys, conftest; from apptest import open_page; open_page({page!r}, {query!r}); "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root / "tests",
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1] == "True"
