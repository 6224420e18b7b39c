"""Helpers for driving the live dashboard in a browser: open a page and wait for its script, check that
it is clean, and read what the by-hand page shows, with rnncore's number for the same settings."""
from __future__ import annotations

import re
import time
import urllib.request

from dashboard.inputs_table import default_canvas
from dashboard.notices import FAILURE_MESSAGE
from dashboard.settings import SETTINGS
from rnncore import init_weights, run_manual

COMPUTED_Y = re.compile(r"computed Y = `?(-?\d+\.\d+)")  # the by-hand page's filled-in equation


def healthy(base_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=timeout) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


class LiveApp:
    """The live dashboard as a browser sees it: open a page, wait for its script, check it is clean."""

    RUN_TIMEOUT_MS = 90_000  # a first TensorFlow page imports TF (~3 s alone) and builds graphs

    def __init__(self, base_url: str):
        self.base_url = base_url

    def open(self, page, path: str, query: str = "") -> None:
        """Go to /<path>?<query> and wait until the page's script has run."""
        page.goto(f"{self.base_url}/{path}" + (f"?{query}" if query else ""))
        self.wait(page)

    @staticmethod
    def wait(page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        """Until the page is connected, shows its title and its script finished (as Streamlit's own e2e
        tests wait). The title matters on a fresh server, whose first run may rerun at once (entry_guard)."""
        app = "[data-testid='stApp']"
        page.wait_for_selector(f"{app}[data-test-connection-state='CONNECTED']", state="attached",
                               timeout=timeout_ms)
        title = "[data-testid='stMain'] h1"  # every page has one, unless its script failed before the title
        failed = "[data-testid='stException'], [data-testid='stAlertContentError']"
        try:
            page.wait_for_selector(f"{title}, {failed}", state="attached", timeout=timeout_ms)
        except Exception as timeout:  # say what the page shows instead
            raise AssertionError(f"no page title within {timeout_ms} ms: {LiveApp.describe(page)}") from timeout
        if not page.locator(title).count():
            LiveApp.assert_clean(page)  # says what failed, instead of a timeout
            page.wait_for_selector(title, state="attached", timeout=timeout_ms)  # an error of the page's own
        page.wait_for_selector(f"{app}[data-test-script-state='notRunning']", state="attached",
                               timeout=timeout_ms)
        for pending in ("[data-testid='stSkeleton']", "[data-stale='true']"):  # placeholders, last run's leftovers
            page.wait_for_selector(pending, state="detached", timeout=timeout_ms)
        page.wait_for_timeout(200)  # let the last delta paint

    @staticmethod
    def describe(page) -> str:
        """The address, the app's connection and script states, and the start of the main area's text."""
        return page.evaluate("""() => {
            const app = document.querySelector("[data-testid='stApp']");
            const main = document.querySelector("[data-testid='stMain']");
            return `at ${location.href}; connection ${app && app.dataset.testConnectionState}, script ` +
                   `${app && app.dataset.testScriptState}; ${main ? main.querySelectorAll("*").length : 0} ` +
                   `elements in the main area, which reads: ${main ? main.innerText.slice(0, 600) : "(none)"}`;
        }""")

    @staticmethod
    def assert_clean(page) -> None:
        """No exception element, no friendly failure message from dashboard/app.py, no "Page not found"."""
        exceptions = page.locator("[data-testid='stException']")
        assert exceptions.count() == 0, exceptions.first.inner_text()[:2000]
        assert FAILURE_MESSAGE not in page.locator("[data-testid='stMain']").inner_text()
        assert page.get_by_text("Page not found").count() == 0, f"Streamlit found no page at {page.url}"


def slider(page, key: str):
    """The thumb of the slider whose setting is `key` (Streamlit tags a keyed widget `st-key-<key>`)."""
    return page.locator(f".st-key-{key}").get_by_role("slider")


def shown_y(page) -> float:
    """The value the by-hand page prints for its chosen example, step and neuron."""
    match = COMPUTED_Y.search(page.locator("[data-testid='stMain']").inner_text())
    assert match, "the by-hand page shows no computed Y"
    return float(match.group(1))


def expected_y(seed: int, steps: int, example: int, step: int, neuron: int) -> float:
    """rnncore's reference for the page's defaults (the lesson's batch, 3 inputs, 5 neurons, tanh)."""
    inputs, neurons, batch = (SETTINGS[k].default for k in ("inputs", "neurons", "batch"))
    X = default_canvas()[:batch, :steps, :inputs]
    w = init_weights(inputs, neurons, seed, SETTINGS["scale"].default, SETTINGS["activation"].default)
    return float(run_manual(X, w).outputs[example, step, neuron])


def wait_until(condition, timeout_s: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
