"""Open a dashboard page through the real entry point with Streamlit's AppTest."""
from __future__ import annotations

from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from dashboard.state import FAILURE_MESSAGE

_pages_manager_init = PagesManager.__init__


def _steady_state_init(self, *args, **kwargs):
    """AppTest resets Streamlit's "pages folder" flag before every run, so each run would start in
    the mode a live server is in only for a fresh server's very first page link (entry_guard then
    reruns through app.py, and that rerun drops a button click). Tests run as a live server does
    from then on: always through app.py's st.navigation. The browser tests cover the first link."""
    _pages_manager_init(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False


PagesManager.__init__ = _steady_state_init

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
FIRST_RENDER_TIMEOUT = 60  # seconds: a first TensorFlow page includes TF's import (2-3 s alone)


def open_page(page: str, query: dict | None = None, timeout: float = FIRST_RENDER_TIMEOUT) -> AppTest:
    """Run app.py with `query` in the URL, switch to dashboard/pages/<page>.py and render it."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py")
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
    code = (f"import sys; sys.path[:0] = [{str(root)!r}, {str(root / 'tests')!r}]; import conftest; "
            f"from apptest import open_page; open_page({page!r}, {query!r}); "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1] == "True"
