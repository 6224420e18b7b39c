"""Open a dashboard page through the real entry point with Streamlit's AppTest."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.notices import FAILURE_MESSAGE
from dashboard.registry import BY_PATH

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
FIRST_RENDER_TIMEOUT = 60  # seconds: a first TensorFlow page includes TF's import, on a machine others share


def open_page(page: str, query: dict | None = None, timeout: float = FIRST_RENDER_TIMEOUT) -> AppTest:
    """Open `page` (a url_path of dashboard/registry.py) through app.py with `query` in the URL, as a link
    does: the session's first run is that page's."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(BY_PATH[page].script)  # before the first run: the script's name is its url_path
    at.run()
    assert_clean(at)
    assert_valid_charts(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No exception element and no friendly failure message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if FAILURE_MESSAGE in e.value], "the page reported a failure"


def assert_valid_charts(at: AppTest) -> None:
    """Every chart on the page is valid Vega-Lite, and every dataset it names was sent with it.

    The dashboard skips Altair's validation when it serves a chart (dashboard/chart_cache.py); the
    validation happens here instead, on the spec the browser would get."""
    for chart in at.get("vega_lite_chart"):
        names = {dataset.name for dataset in chart.proto.datasets}
        _validate_spec(chart.proto.spec)
        assert set(_dataset_names(json.loads(chart.proto.spec))) <= names, "a chart names data it was not sent"


@functools.lru_cache(maxsize=None)
def _validate_spec(spec_json: str) -> None:
    import altair as alt
    from altair.utils.schemapi import validate_jsonschema

    validate_jsonschema(json.loads(spec_json), alt.vegalite.v6.schema.core.load_schema())


def _dataset_names(node):
    if isinstance(node, dict):
        if isinstance(node.get("data"), dict) and "name" in node["data"]:
            yield node["data"]["name"]
        for value in node.values():
            yield from _dataset_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dataset_names(value)


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
