"""Recurrence Lab's speed and memory benchmark (issue 6). Run: `make bench` (or `.venv/bin/python tests/benchmark.py`).

Measures on this machine, prints a Markdown section for the README and writes it to docs/benchmark.md:
- each page's warm re-render after a slider move (median of REPEATS runs through AppTest), beside a
  reference page (one slider, one 100-point Altair line chart) measured the same way, as a ratio;
- the same at each page's largest allowed settings;
- each page's first render in a fresh process (TensorFlow's import included where the page needs it);
- the unrolling page's static-vs-dynamic sweep (`dashboard.sections.unrolling.sweep_rows`), cold in a fresh process
  (TensorFlow's import timed apart) and cached;
- a live `streamlit run` server's resident memory (the process and its children, psutil RSS) idle, with
  1 and with 30 concurrent browser sessions (headless Chromium), and its growth over 300 re-renders;
- every page's slider round trip in headless Chromium (key press to the script run finished), beside the
  reference page's in the same browser, as a ratio (issue 12).

Figures depend on the load: on a machine shared with other work they come out higher. Quick check of the
machinery: `tests/benchmark.py --repeats 3 --sessions 4 --rerenders 10 --out -` (`--out -` writes no file).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]  # run as a script: its helpers are tests.*, as under pytest
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.apptest import APP, assert_clean, open_page  # noqa: E402
from dashboard.registry import BY_PATH  # noqa: E402

REPEATS = 15          # timed re-renders per page and setting (the issue asks for at least 10)
WARMUP = 2            # untimed re-renders first: both slider values computed and cached once
SESSIONS = 30
RERENDERS = 300
OUT = ROOT / "docs" / "benchmark.md"

# The targets of issue 6.
REFERENCE_RATIO = 3.0          # warm re-render at defaults, x the reference page (median)
LARGEST_MS = 250.0             # warm re-render at the largest settings
FIRST_TF_FREE_S = 1.5          # first render, pages that need no TensorFlow
FIRST_TF_S = 5.0               # first render, TensorFlow pages (TF's import included)
SESSIONS_MB = 1200.0           # 30 sessions, resident in total (1.2 GB, decimal)
GROWTH_MB = 50.0               # growth over 300 re-renders
SWEEP_COLD_S = 2.0             # the sweep, cold, up to 200 steps
BROWSER_RATIO = 2.5            # issue 19: a page's slider round trip in a browser, x the reference page's
BROWSER_REPEATS = 10

REFERENCE_PAGE = '''
import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

k = st.slider("k", 1, 100, 10, key="k")
x = np.arange(100)
st.altair_chart(alt.Chart(pd.DataFrame({"x": x, "y": np.sin(x / k)})).mark_line().encode(x="x:Q", y="y:Q"))
'''


@dataclass(frozen=True)
class Page:
    """How one page is benchmarked. `key` is the slider moved (None: a plain rerun); it alternates between
    `values` at the defaults and `largest_values` with `largest` (the page's largest allowed settings) in
    the URL. `tf`: the page needs TensorFlow at its defaults."""
    key: str | None
    values: tuple = ()
    largest: dict = field(default_factory=dict)
    largest_values: tuple = ()
    tf: bool = False


LAYER_MAX = {"steps": 20, "neurons": 16, "inputs": 8, "batch": 8}  # settings.SETTINGS' highs
PAGES = {
    "overview": Page(None),  # no slider: a rerun
    "by_hand": Page("seed", (43, 42), LAYER_MAX, (43, 42), tf=True),  # tf1_check is on by default
    "unrolling": Page("unr_max_steps", (49, 50),
                      {"unr_max_steps": 200, "unr_tf1": "true", "unr_tf2": "true", "unr_keras": "true",
                       "unr_metric": "Later run time", "unr_draw_steps": 5}, (199, 200), tf=True),
    "lengths": Page("seed", (43, 42), LAYER_MAX | {f"len{i}": 20 for i in range(8)}, (43, 42)),
    "memory": Page("mem_radius", (0.95, 0.9),
                   {"neurons": 16, "mem_steps": 100, "mem_history": 30, "mem_credit": "true"}, (1.95, 2.0)),
    "keras_lab": Page("lab_steps", (45, 50),
                      {"lab_steps": 100, "lab_k": 99, "lab_examples": 2000, "lab_units": 32, "lab_epochs": 30},
                      (95, 100)),
    "gated": Page("gate_forget_bias", (1.5, 1.0), {"gate_units": 8, "gate_steps": 40, "gate_pulse_steps": 100},
                  (9.5, 10.0)),
    "bptt": Page("seed", (43, 42), LAYER_MAX, (43, 42)),
    "text_lab": Page("text_seed", (43, 42), {"text_units": 64}, (43, 42)),  # before Train: no TF
    "class": Page(None),
    "projector": Page(None),  # no code in the link: the page asks for one
}

# The unrolling page's sweeps: (what it stands for, URL toggles on, largest step count, with runs).
# Defaults: the TF1 pair, 50 steps, "Operations" (no runs). A run-time measure sets with_runs.
SWEEPS = [
    ("page defaults: TF1 pair, 50 steps, Operations", ("unr_tf1",), 50, False),
    ("TF1 pair, 200 steps, Operations", ("unr_tf1",), 200, False),
    ("TF1 pair, 200 steps, a run-time measure", ("unr_tf1",), 200, True),
    ("all pairs, 200 steps, Operations", ("unr_tf1", "unr_tf2", "unr_keras"), 200, False),
    ("all pairs, 200 steps, a run-time measure", ("unr_tf1", "unr_tf2", "unr_keras"), 200, True),
]


# ---------------------------------------------------------------- warm re-renders (AppTest, this process)

def _median_rerender(at: AppTest, key: str | None, values, repeats: int) -> float:
    """Median seconds of `repeats` re-renders, each after moving slider `key` to the next of `values`
    (or a plain rerun), after WARMUP untimed ones."""
    if key is not None:
        at.slider(key=key)  # KeyError if the page has no such slider: a wrong table, not a rerun
    times = []
    for i in range(WARMUP + repeats):
        start = time.perf_counter()
        if key is None:
            at.run()
        else:
            at.slider(key=key).set_value(values[i % 2]).run()
        times.append(time.perf_counter() - start)
        assert_clean(at)
        if key is not None:
            assert at.slider(key=key).value == values[i % 2], (key, at.slider(key=key).value)
    return statistics.median(times[WARMUP:])


def reference_rerender(repeats: int = REPEATS) -> float:
    at = AppTest.from_string(REFERENCE_PAGE, default_timeout=30)
    at.run()
    return _median_rerender(at, "k", (11, 10), repeats)


def page_rerender(page: str, largest: bool = False, repeats: int = REPEATS) -> float:
    p = PAGES[page]
    at = open_page(page, {k: str(v) for k, v in p.largest.items()} if largest else None)
    return _median_rerender(at, p.key, p.largest_values if largest else p.values, repeats)


# ---------------------------------------------------------------- fresh processes

def _worker(*args: str) -> dict:
    """Run this file's `--worker` mode in a fresh Python process; its last line is JSON."""
    out = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True,
                         cwd=ROOT, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_render(page: str) -> dict:
    """{"seconds", "imports_tf"}: a fresh process renders `page` once, as a fresh server does for the first
    visitor of /<page>: app.py and the page, the dashboard's, rnncore's and (where needed) TF's imports
    included. Streamlit's own import is not counted (a server has it before anyone visits)."""
    return _worker("first-render", page)


def _first_render_worker(page: str) -> dict:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(BY_PATH[page].script)  # before the first run: the script's name is its url_path
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    assert_clean(at)
    assert at.title, "the page rendered no title"
    return {"seconds": seconds, "imports_tf": "tensorflow" in sys.modules, "title": at.title[0].value}


def text_training() -> dict:
    """{"first_s", "warm_s"}: the text lab's default run on "hello" in a fresh process, the first run (with
    TensorFlow's import) and the median of three after it (issue 14's target: within 5 s)."""
    return _worker("text-train")


def _text_training_worker() -> dict:
    from rnncore.tf import chars_model
    first = chars_model.seconds_to_train("hello")
    return {"first_s": first, "warm_s": statistics.median(chars_model.seconds_to_train("hello") for _ in range(3))}


def sweep_cold_and_cached(toggles, largest: int, with_runs: bool) -> dict:
    """{"tf_import_s", "cold_s", "cached_s", "rows"} from a fresh process."""
    return _worker("sweep", json.dumps([list(toggles), largest, with_runs]))


def _sweep_worker(spec: str) -> dict:
    toggles, largest, with_runs = json.loads(spec)
    from dashboard.sections import unrolling as sweep  # Streamlit and the dashboard: loaded before the timing, as on a server

    start = time.perf_counter()
    from rnncore.tf.runtime import tf
    tf()
    tf_import = time.perf_counter() - start
    paths, points = sweep.chosen_paths(dict.fromkeys(toggles, True)), sweep.step_points(largest)
    start = time.perf_counter()
    rows = sweep.sweep_rows(paths, points, with_runs)
    cold = time.perf_counter() - start
    cached = []
    for _ in range(5):
        start = time.perf_counter()
        again = sweep.sweep_rows(paths, points, with_runs)
        cached.append(time.perf_counter() - start)
    assert again == rows and len(rows) == len(paths) * len(points)
    return {"tf_import_s": tf_import, "cold_s": cold, "cached_s": statistics.median(cached),
            "paths": paths, "points": points, "rows": len(rows)}


# ---------------------------------------------------------------- a live server's memory

def _server_family(port: int):
    """The `streamlit run` process this process started on `port`."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "streamlit" in " ".join(child.cmdline()) and str(port) in child.cmdline():
                return child
    raise RuntimeError(f"no streamlit process on port {port} among this process's children")


def _rss_mb(server) -> float:
    """Resident memory of the server and every child it started, in MB (10^6 bytes)."""
    import psutil

    total = 0
    for proc in (server, *server.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return total / 1e6


def session_url(base_url: str, i: int) -> str:
    """Student i's page and settings: every page in turn, each with settings of its own."""
    page = list(PAGES)[i % len(PAGES)]
    query = {"by_hand": {"seed": 100 + i, "steps": 1 + i % 6},
             "unrolling": {"unr_draw_steps": 1 + i % 5},
             "lengths": {"seed": 100 + i, "steps": 2 + i % 5},
             "memory": {"seed": 100 + i, "mem_radius": round(0.5 + 0.05 * (i % 10), 2)},
             "keras_lab": {"lab_units": 1 + i % 32},
             "gated": {"seed": 100 + i, "gate_forget_bias": float(i % 6)},
             "bptt": {"seed": 100 + i, "steps": 2 + i % 10},
             "text_lab": {"text_seed": 100 + i},
             "class": {},
             "overview": {}}[page]
    path = "" if page == "overview" else page  # the default page lives at /: /overview finds no page
    return f"{base_url}/{path}" + (f"?{urlencode(query)}" if query else "")


def post_script_gc() -> bool:
    """Whether the server runs a full garbage collection after every script run (Streamlit's hidden
    `runner.postScriptGC`, on by default): from the environment, else .streamlit/config.toml."""
    import tomllib

    if "STREAMLIT_RUNNER_POST_SCRIPT_GC" in os.environ:
        return os.environ["STREAMLIT_RUNNER_POST_SCRIPT_GC"].lower() == "true"
    config = ROOT / ".streamlit" / "config.toml"
    settings = tomllib.loads(config.read_text()) if config.exists() else {}
    return bool(settings.get("runner", {}).get("postScriptGC", True))


def server_memory(sessions: int = SESSIONS, rerenders: int = RERENDERS, log=print) -> dict:
    """RSS of a fresh live server: idle; with 1 session (the by-hand page, TF1 check on, so TensorFlow is
    loaded); over `rerenders` re-renders of that session (the seed slider moved with the keyboard, left
    and right in turn); then with `sessions` concurrent sessions (one Chromium, a few contexts, a mix of
    all pages with settings of their own)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import launch_chromium, running_server
    from tests.browser.live import LiveApp, expected_y, healthy, slider

    result = {"sessions": sessions, "rerenders": rerenders, "post_script_gc": post_script_gc()}
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "streamlit.log") as base_url, \
            sync_playwright() as playwright:
        server = _server_family(int(base_url.rsplit(":", 1)[1]))
        time.sleep(2)
        result["idle_mb"] = _rss_mb(server)
        log(f"server idle: {result['idle_mb']:.0f} MB")
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
            page = context.new_page()
            LiveApp(base_url).open(page, "by_hand")
            LiveApp.assert_clean(page)
            time.sleep(1)
            result["one_session_mb"] = _rss_mb(server)
            log(f"1 session: {result['one_session_mb']:.0f} MB")

            seed = int(slider(page, "seed").input_value())
            shown = {s: f"{expected_y(s, 2, 0, 1, 0):.6f}" for s in (seed, seed + 1)}
            assert shown[seed] != shown[seed + 1]
            warmup, times = 10, []
            for i in range(warmup + rerenders):
                if i == warmup:
                    result["before_mb"] = _rss_mb(server)
                target = seed + 1 if i % 2 == 0 else seed
                start = time.perf_counter()
                slider(page, "seed").focus()
                page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                page.wait_for_function(  # the new number is on the page: its rerun has started
                    "y => (/computed Y = (-?\\d+\\.\\d+)/.exec(document.querySelector("
                    "\"[data-testid='stMain']\").innerText) || [])[1] === y", arg=shown[target])
                page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                                       state="attached")
                times.append(time.perf_counter() - start)
            LiveApp.assert_clean(page)
            result["after_mb"] = _rss_mb(server)
            result["growth_mb"] = result["after_mb"] - result["before_mb"]
            result["round_trip_ms"] = statistics.median(times[warmup:]) * 1000
            log(f"{rerenders} re-renders: {result['before_mb']:.0f} -> {result['after_mb']:.0f} MB, "
                f"median browser round trip {result['round_trip_ms']:.0f} ms")
            context.close()

            contexts = [browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(5)]
            pages = []
            for batch in range(0, sessions, 10):  # a batch's scripts run on the server at the same time
                opened = []
                for i in range(batch, min(batch + 10, sessions)):
                    tab = contexts[i % len(contexts)].new_page()
                    tab.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
                    tab.goto(session_url(base_url, i), wait_until="commit")
                    opened.append(tab)
                for tab in opened:
                    LiveApp.wait(tab)
                    LiveApp.assert_clean(tab)
                    assert "could not be used" not in tab.locator("[data-testid='stMain']").inner_text(), tab.url
                pages += opened
            time.sleep(2)
            result["many_sessions_mb"] = _rss_mb(server)
            assert healthy(base_url)
            result["session_pages"] = sorted({list(PAGES)[i % len(PAGES)] for i in range(sessions)})
            log(f"{sessions} sessions: {result['many_sessions_mb']:.0f} MB")
            for ctx in contexts:
                ctx.close()
        finally:
            browser.close()
    return result


# ---------------------------------------------------------------- slider round trips in a browser

# Installed before each key press: the moment the script run that the press starts has finished, from the
# app's own script state (notRunning -> running ... -> notRunning), as the page's performance.now().
_ROUND_TRIP_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__roundTripEnd = undefined;
  const observer = new MutationObserver(records => {
    const moved = records.some(r => r.oldValue !== 'notRunning');
    if (moved && app.getAttribute('data-test-script-state') === 'notRunning') {
      observer.disconnect();
      window.__roundTripEnd = performance.now();
    }
  });
  observer.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  return performance.now();
}"""


def _round_trips(tab, key: str, repeats: int) -> tuple[float, int]:
    """Median ms from a key press on slider `key` (right, left, in turn) to its script run finished, and how
    many presses were not timed: now and then the app's script state never shows "running" (a run so short
    that its start and end reach the page together: the reference page); that press is undone and made
    again, up to 5 times in all. (This leans the reference's median towards its slower presses.)"""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tests.browser.live import LiveApp, slider

    thumb, times, missed = slider(tab, key), [], 0
    for i in range(WARMUP + repeats):
        for _attempt in range(5):
            tab.wait_for_timeout(150)  # untimed: whatever the last run left to paint
            thumb.focus()
            start = tab.evaluate(_ROUND_TRIP_JS)
            tab.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            try:
                tab.wait_for_function("window.__roundTripEnd !== undefined", timeout=10_000)
            except PlaywrightTimeout:
                missed += 1
                tab.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")  # back where it was
                tab.wait_for_timeout(1000)
                tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached")
                continue
            times.append(tab.evaluate("window.__roundTripEnd") - start)
            break
        else:
            raise AssertionError(f"slider {key!r}: 5 presses and no script run seen to finish")
        LiveApp.assert_clean(tab)
    return statistics.median(times[WARMUP:]), missed


def browser_round_trips(repeats: int = BROWSER_REPEATS, log=print) -> dict:
    """In one headless Chromium tab (1200x900, sidebar open): the reference page on a server of its own,
    then every page with a slider at its defaults on the dashboard's server; each a median of `repeats`
    key presses on the slider that `PAGES` names (after WARMUP untimed ones). The wait includes what every
    Streamlit slider adds before it asks for a rerun, the same on every page."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import launch_chromium, running_server
    from tests.browser.live import LiveApp

    result = {"repeats": repeats, "pages": {}}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        reference = Path(tmp) / "reference_page.py"
        reference.write_text(REFERENCE_PAGE)
        browser = launch_chromium(playwright)
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            tab.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
            with running_server(Path(tmp) / "reference.log", script=str(reference)) as base_url:
                tab.goto(base_url)
                tab.wait_for_selector(".st-key-k", state="attached")
                tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached")
                tab.wait_for_timeout(1000)  # the first run's chart drawn
                result["reference_ms"], result["missed"] = _round_trips(tab, "k", repeats)
            log(f"browser round trip, reference page: {result['reference_ms']:.0f} ms")
            with running_server(Path(tmp) / "streamlit.log") as base_url:
                app = LiveApp(base_url)
                for name, page in PAGES.items():
                    if page.key is None:
                        continue
                    app.open(tab, name)
                    ms, missed = _round_trips(tab, page.key, repeats)
                    result["pages"][name] = {"key": page.key, "ms": ms}
                    result["missed"] += missed
                    log(f"browser round trip, {name}: {result['pages'][name]['ms']:.0f} ms")
        finally:
            browser.close()
    return result


# ---------------------------------------------------------------- the report

def _status(met: bool | None) -> str:
    return "not judged (a smaller run)" if met is None else "met" if met else "**NOT met**"


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured figure, met?) for every target of issue 6 that `results` has figures for."""
    rows = []
    text = results.get("text_training")
    if text:
        rows.append(("Text lab: train \"hello\" at the defaults within 5 s (issue 14)",
                     f"{text['warm_s']:.2f} s (first run in a fresh process, TensorFlow's import included: "
                     f"{text['first_s']:.2f} s)", text["warm_s"] <= 5))
    pages = results.get("pages")
    if pages:
        worst = max(pages, key=lambda r: r["ratio"])
        rows.append((f"Warm re-render at defaults within {REFERENCE_RATIO:g}x the reference page (median)",
                     f"worst {worst['page']}: {worst['ratio']:.2f}x ({worst['warm_ms']:.1f} ms vs "
                     f"{results['reference_ms']:.1f} ms)", worst["ratio"] <= REFERENCE_RATIO))
        if all("keras_ratio" in r for r in pages):
            worst = max(pages, key=lambda r: r["keras_ratio"])
            rows.append(("The same once Keras 3 is loaded in the server (anyone opened the Keras lab or the "
                         f"unrolling page's Keras pair)",
                         f"worst {worst['page']}: {worst['keras_ratio']:.2f}x ({worst['keras_ms']:.1f} ms)",
                         worst["keras_ratio"] <= REFERENCE_RATIO))
        worst = max(pages, key=lambda r: r["largest_ms"])
        rows.append((f"Warm re-render at the largest settings within {LARGEST_MS:g} ms",
                     f"worst {worst['page']}: {worst['largest_ms']:.1f} ms", worst["largest_ms"] <= LARGEST_MS))
        leaks = [r["page"] for r in pages if not r["tf"] and r["imports_tf"]]
        rows.append(("Pages that need no TensorFlow never import it",
                     "imported by " + ", ".join(leaks) if leaks else "none of "
                     + ", ".join(r["page"] for r in pages if not r["tf"]) + " imports it", not leaks))
        for tf, limit, what in ((False, FIRST_TF_FREE_S, "TensorFlow-free pages"),
                                (True, FIRST_TF_S, "TensorFlow pages (TF's import included)")):
            group = [r for r in pages if r["tf"] == tf]
            if group:
                worst = max(group, key=lambda r: r["first_s"])
                rows.append((f"First render of {what} within {limit:g} s",
                             f"worst {worst['page']}: {worst['first_s']:.2f} s", worst["first_s"] <= limit))
    memory = results.get("memory")
    if memory:
        rows.append((f"{memory['sessions']} sessions within {SESSIONS_MB / 1000:g} GB resident in total",
                     f"{memory['many_sessions_mb']:.0f} MB",
                     memory["many_sessions_mb"] <= SESSIONS_MB if memory["sessions"] >= SESSIONS else None))
        rows.append((f"Growth over {memory['rerenders']} re-renders within {GROWTH_MB:g} MB",
                     f"{memory['growth_mb']:+.1f} MB",
                     memory["growth_mb"] <= GROWTH_MB if memory["rerenders"] >= RERENDERS else None))
    trips = results.get("browser")
    if trips:
        worst = max(trips["pages"], key=lambda name: trips["pages"][name]["ms"])
        ratio = trips["pages"][worst]["ms"] / trips["reference_ms"]
        rows.append((f"A slider's round trip in a browser within {BROWSER_RATIO:g}x the reference page's, every "
                     "page (issue 19)", f"worst {worst}: {ratio:.2f}x ({trips['pages'][worst]['ms']:.0f} ms vs "
                     f"{trips['reference_ms']:.0f} ms)", ratio <= BROWSER_RATIO))
    for s in results.get("sweeps", []):
        rows.append((f"Sweep within {SWEEP_COLD_S:g} s cold ({s['what']})", f"{s['cold_s']:.2f} s",
                     s["cold_s"] <= SWEEP_COLD_S))
    return rows


def markdown(results: dict) -> str:
    """The README section: how to run it, the targets met or not, and the tables."""
    out = ["## Benchmark", "",
           "```bash",
           "make bench   # or: .venv/bin/python tests/benchmark.py  (about 10 minutes; writes docs/benchmark.md)",
           "```", "",
           f"Measured {results['when']} on {results['machine']} (load average {results['load']} at the start: "
           "figures rise with other work on the machine).", ""]
    out += ["| target | measured | |", "|---|---|---|"]
    out += [f"| {t} | {m} | {_status(ok)} |" for t, m, ok in targets(results)]
    pages = results.get("pages")
    if pages:
        out += ["", f"Warm re-renders: the median of {results['repeats']} re-renders through Streamlit's `AppTest` "
                    f"in one process, each after a slider move (after {WARMUP} untimed ones), beside a reference "
                    f"page (one slider, one 100-point Altair line chart): **{results['reference_ms']:.1f} ms**.", "",
                "| page | slider moved | warm re-render (ms) | x reference | at largest settings (ms) | "
                "Keras 3 loaded (ms) | x reference | first render (s) | imports TF |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in pages:
            key = f"`{r['key']}`" if r["key"] else "none (rerun)"
            out.append(f"| {r['page']} | {key} | {r['warm_ms']:.1f} | {r['ratio']:.2f} | {r['largest_ms']:.1f} | "
                       f"{r['keras_ms']:.1f} | {r['keras_ratio']:.2f} | "
                       f"{r['first_s']:.2f} | {'yes' if r['imports_tf'] else 'no'} |")
        out += ["", "Largest settings: " + "; ".join(
            f"{r['page']} `{urlencode(PAGES[r['page']].largest)}`" for r in pages if PAGES[r["page"]].largest)
            + ". The Keras lab trains only when *Train* is pressed, so its figures are the page without a run. "
            "The first columns are measured before anything loads Keras 3"
            + (" (**but a page had loaded it already**)" if results.get("keras_early") else "")
            + "; the unrolling page's largest settings load it (its Keras pair), so that figure includes what "
            "follows. *Keras 3 loaded*: every page at its defaults again, after `import keras`, as on a class "
            "server once anyone has opened the Keras lab or the Keras pair. Streamlit 1.67 would then call "
            "`keras.backend.clear_session()` after every script run of every session (`_clean_problem_modules` "
            "in streamlit/runtime/scriptrunner/script_runner.py), a full garbage collection; dashboard/serving.py "
            "switches that off, and the reference page in the same process takes "
            f"{results['reference_keras_ms']:.1f} ms. For scale, a full "
            f"`gc.collect()` in this process (TensorFlow and Keras 3 loaded) {results['full_gc_ms']:.0f} ms. "
            "First render: a fresh process renders the page once (app.py and the page; Streamlit itself already "
            "imported, as on a server)."]
    trips = results.get("browser")
    if trips:
        out += ["", "A slider's round trip in headless Chromium (1200x900, one tab): from the key press on the "
                    "slider to the end of the script run it starts (the app's own script state), the median of "
                    f"{trips['repeats']} presses after {WARMUP} untimed ones, at the page's defaults; the reference "
                    "page (one slider, one 100-point Altair line chart) on a server of its own, the same browser: "
                    f"**{trips['reference_ms']:.0f} ms**. Presses that started no run the page was seen to finish, "
                    f"made again untimed: {trips.get('missed', 0)}.", "",
                "| page | slider | round trip (ms) | x reference |", "|---|---|---:|---:|"]
        for name, row in trips["pages"].items():
            out.append(f"| {name} | `{row['key']}` | {row['ms']:.0f} | {row['ms'] / trips['reference_ms']:.2f} |")
    sweeps = results.get("sweeps")
    if sweeps:
        out += ["", "Static vs dynamic sweep, `dashboard.sections.unrolling.sweep_rows(paths, step_points(n), with_runs)` as "
                    "the unrolling page calls it; cold in a fresh process with TensorFlow already imported:", "",
                "| sweep | step counts | cold (s) | cached (ms) | TF import in that process (s) |",
                "|---|---|---|---|---|"]
        for s in sweeps:
            out.append(f"| {s['what']} | {', '.join(map(str, s['points']))} | {s['cold_s']:.2f} | "
                       f"{s['cached_s'] * 1000:.2f} | {s['tf_import_s']:.2f} |")
    memory = results.get("memory")
    if memory:
        out += ["", "A live `streamlit run` server, resident memory of the process and its children (psutil RSS, "
                    "MB = 10^6 bytes), driven by headless Chromium:", "",
                "| server | resident (MB) |", "|---|---|",
                f"| idle, no session | {memory['idle_mb']:.0f} |",
                f"| 1 session (by-hand page, TF1 check on: TensorFlow loaded) | {memory['one_session_mb']:.0f} |",
                f"| {memory['sessions']} concurrent sessions ({', '.join(memory['session_pages'])}, settings of "
                f"their own) | {memory['many_sessions_mb']:.0f} |",
                f"| growth over {memory['rerenders']} re-renders of one by-hand session (seed slider, keyboard) | "
                f"{memory['growth_mb']:+.1f} ({memory['before_mb']:.0f} -> {memory['after_mb']:.0f}) |",
                "", f"Median browser round trip of those re-renders (key press to the new number on the page, "
                    f"script finished): {memory['round_trip_ms']:.0f} ms, with Streamlit's full garbage "
                    f"collection after every script run (`runner.postScriptGC`) "
                    f"{'on' if memory.get('post_script_gc', True) else 'off'}; when on, the browser waits for "
                    "it, and with TensorFlow loaded it costs about as much as the full `gc.collect()` above."]
    return "\n".join(out) + "\n"


def full_gc_ms() -> float:
    """Median milliseconds of a full `gc.collect()` in this process, as it stands."""
    import gc

    times = []
    for _ in range(5):
        start = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure_pages(repeats: int = REPEATS, log=print) -> dict:
    """Warm re-renders and first renders of every page, in an order that makes the process's state plain.

    Phase 1, Keras 3 not loaded (TensorFlow is, from the first TF page on): the reference page, then every
    page at its defaults and at its largest settings, the unrolling page's largest last (its Keras pair
    loads Keras 3). Phase 2, Keras 3 loaded, as on a class server where anyone opened the Keras lab or
    the Keras pair: Streamlit would then call `keras.backend.clear_session()` after every script run
    (`_clean_problem_modules`), a full garbage collection, which dashboard/serving.py switches off; the
    reference page and every page at its defaults again."""
    reference = reference_rerender(repeats)
    log(f"reference page warm re-render: {reference * 1000:.1f} ms")
    rows = {name: {"page": name, "key": p.key, "tf": p.tf} for name, p in PAGES.items()}
    for name in PAGES:
        rows[name]["warm_ms"] = page_rerender(name, repeats=repeats) * 1000
        rows[name]["ratio"] = rows[name]["warm_ms"] / 1000 / reference
    for name in sorted(PAGES, key=lambda n: n == "unrolling"):
        if name == "unrolling":
            keras_early = "keras" in sys.modules
        rows[name]["largest_ms"] = (page_rerender(name, largest=True, repeats=repeats) * 1000
                                    if PAGES[name].largest else rows[name]["warm_ms"])
        log(json.dumps(rows[name]))
    from rnncore.tf.runtime import keras
    keras()
    reference_keras = reference_rerender(repeats)
    log(f"with Keras 3 loaded, reference page warm re-render: {reference_keras * 1000:.1f} ms")
    for name in PAGES:
        rows[name]["keras_ms"] = page_rerender(name, repeats=repeats) * 1000
        rows[name]["keras_ratio"] = rows[name]["keras_ms"] / 1000 / reference
    gc_ms = full_gc_ms()
    for name in PAGES:
        first = first_render(name)
        rows[name] |= {"first_s": first["seconds"], "imports_tf": first["imports_tf"]}
        log(json.dumps(rows[name]))
    return {"reference_ms": reference * 1000, "reference_keras_ms": reference_keras * 1000,
            "full_gc_ms": gc_ms, "keras_early": keras_early, "pages": list(rows.values())}


# ---------------------------------------------------------------- main

def run(args, log=print) -> dict:
    import streamlit

    results = {"when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "repeats": args.repeats,
               "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, Streamlit "
                          f"{streamlit.__version__}",
               "load": " / ".join(f"{x:.1f}" for x in os.getloadavg())}
    if "pages" not in args.skip:
        results.update(measure_pages(args.repeats, log))
    if "sweep" not in args.skip:
        results["sweeps"] = []
        for what, toggles, largest, with_runs in SWEEPS:
            row = {"what": what, **sweep_cold_and_cached(toggles, largest, with_runs)}
            results["sweeps"].append(row)
            log(json.dumps(row))
    if "text" not in args.skip:
        results["text_training"] = text_training()
        log(json.dumps(results["text_training"]))
    if "memory" not in args.skip:
        results["memory"] = server_memory(args.sessions, args.rerenders, log)
    if "browser" not in args.skip:
        results["browser"] = browser_round_trips(args.browser_repeats, log)
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed re-renders per page and setting")
    parser.add_argument("--sessions", type=int, default=SESSIONS, help="concurrent browser sessions")
    parser.add_argument("--rerenders", type=int, default=RERENDERS, help="re-renders for the memory growth")
    parser.add_argument("--browser-repeats", type=int, default=BROWSER_REPEATS,
                        help="timed slider presses per page in the browser")
    parser.add_argument("--skip", nargs="*", default=[], choices=("pages", "sweep", "text", "memory", "browser"))
    parser.add_argument("--out", default=str(OUT), help="where to write the Markdown ('-': nowhere)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        mode, *rest = args.worker
        workers = {"first-render": _first_render_worker, "sweep": _sweep_worker, "text-train": _text_training_worker}
        result = workers[mode](*rest)
        print(json.dumps(result))
        return
    started = time.perf_counter()
    results = run(args, log=lambda line: print(line, flush=True))
    text = markdown(results)
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)\n\n{text}")
    if args.out != "-":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        kept = ""  # the class-load tool's section (tests/class_load.py writes it), kept as it is
        if Path(args.out).exists() and "\n## Class load" in Path(args.out).read_text():
            kept = "\n## Class load" + Path(args.out).read_text().split("\n## Class load", 1)[1]
        Path(args.out).write_text(text + kept)


if __name__ == "__main__":
    main()
