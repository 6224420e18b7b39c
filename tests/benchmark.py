"""Recurrence Lab's speed and memory benchmark (issue 6). Run: `make bench` (or `.venv/bin/python tests/benchmark.py`).

Measures, in one process on this machine, and prints a Markdown table for the README:
- each page's warm re-render after a slider move (median of REPEATS runs through AppTest), beside a
  reference page (one slider, one 100-point Altair line chart) measured the same way, as a ratio;
- the same at each page's largest allowed settings;
- each page's first render in a fresh process (TensorFlow's import included where the page needs it);
- the static-vs-dynamic sweep of the unrolling page, cold (fresh process) and cached;
- a live server's resident memory with 1 and 30 sessions, and its growth over 300 re-renders.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from streamlit.testing.v1 import AppTest  # noqa: E402

from apptest import assert_clean, open_page  # noqa: E402

REPEATS = 15
REFERENCE_PAGE = '''
import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

k = st.slider("k", 1, 100, 10, key="k")
x = np.arange(100)
st.altair_chart(alt.Chart(pd.DataFrame({"x": x, "y": np.sin(x / k)})).mark_line().encode(x="x:Q", y="y:Q"))
'''

# page -> (slider key moved, two values it alternates between, the page's largest settings as URL params)
PAGES = {
    "overview": (None, None, {}),
    "by_hand": ("seed", (1, 2), {"steps": "20", "neurons": "16", "inputs": "8", "batch": "8"}),
    "unrolling": ("unr_draw_steps", (1, 2), {}),
    "lengths": ("seed", (1, 2), {"steps": "20", "neurons": "16", "inputs": "8", "batch": "8"}),
    "memory": ("mem_radius", (0.9, 1.1), {}),
    "keras_lab": ("lab_k", (3, 4), {}),
}


def _median_rerender(at: AppTest, key: str | None, values) -> float:
    """Median seconds of REPEATS re-renders, each after moving slider `key` (or a plain rerun)."""
    times = []
    for i in range(REPEATS + 1):
        start = time.perf_counter()
        if key is None:
            at.run()
        else:
            at.slider(key=key).set_value(values[i % 2]).run()
        times.append(time.perf_counter() - start)
        assert_clean(at)
    return statistics.median(times[1:])


def reference_rerender() -> float:
    at = AppTest.from_string(REFERENCE_PAGE, default_timeout=30)
    at.run()
    return _median_rerender(at, "k", (10, 11))


def page_rerender(page: str, query: dict) -> float:
    key, values, _ = PAGES[page]
    at = open_page(page, query)
    if key is not None and not at.slider(key=key):
        key = None
    return _median_rerender(at, key, values)


def first_render(page: str) -> float:
    """Seconds for a fresh Python process to render `page` once (imports included)."""
    code = ("import sys, time; start = time.perf_counter(); "
            f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]; "
            "from apptest import open_page; "
            f"open_page({page!r}); print(time.perf_counter() - start)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def tf_imported_by(page: str) -> bool:
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]; "
            f"from apptest import open_page; open_page({page!r}); print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return out.stdout.strip().splitlines()[-1] == "True"


def main() -> None:
    rows = []
    reference = reference_rerender()
    print(f"reference page warm re-render: {reference * 1000:.1f} ms", flush=True)
    for page, (key, _, largest) in PAGES.items():
        warm = page_rerender(page, {})
        warm_largest = page_rerender(page, largest) if largest else warm
        first = first_render(page)
        uses_tf = tf_imported_by(page)
        row = {"page": page, "warm_ms": warm * 1000, "ratio": warm / reference,
               "largest_ms": warm_largest * 1000, "first_s": first, "imports_tf": uses_tf}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(f"Reference page (one slider, 100-point Altair line): {reference * 1000:.1f} ms median re-render.\n")
    print("| page | warm re-render (ms) | x reference | at largest settings (ms) | first render (s) | imports TF |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['page']} | {r['warm_ms']:.1f} | {r['ratio']:.2f} | {r['largest_ms']:.1f} | "
              f"{r['first_s']:.2f} | {'yes' if r['imports_tf'] else 'no'} |")


if __name__ == "__main__":
    main()
