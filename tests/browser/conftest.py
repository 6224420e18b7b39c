"""A live `streamlit run dashboard/app.py` on a free port of 127.0.0.1, and headless Debian Chromium.

Playwright's own browser download does not work here, so the browser is /usr/bin/chromium (installed
by `make browser`, which `make test` and `.ci/run` call first). The fixtures are plain pytest fixtures:
no pytest-playwright.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from tests.browser.live import LiveApp, healthy

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT = 90   # seconds: Python, Streamlit and the first health answer on a busy machine
VIEWPORT = {"width": 1400, "height": 1000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server and every child it started, then SIGKILL what is left after 10 s."""
    try:
        family = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for member in family:
        try:
            member.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=10)
    for member in alive:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            pass
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def server_log():
    with tempfile.NamedTemporaryFile("w+", prefix="streamlit-", suffix=".log", delete=False) as log:
        yield Path(log.name)
    os.unlink(log.name)


@contextlib.contextmanager
def running_server(log_path: Path, env_extra: dict | None = None, port: int | None = None,
                   script: str = "dashboard/app.py"):
    """`streamlit run <script>` (the dashboard unless told) on 127.0.0.1 (a free port unless given), with
    `env_extra` in its environment; yields its base URL, then stops it."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2", **(env_extra or {})}
    command = [sys.executable, "-m", "streamlit", "run", script,
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with open(log_path, "a") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not come up on {base_url} (exit code {process.poll()}):\n"
                            f"{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield base_url
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def live_server(server_log) -> str:
    """The base URL (http://127.0.0.1:<port>) of a `streamlit run dashboard/app.py` shared by the session."""
    with running_server(server_log) as base_url:
        yield base_url


@pytest.fixture
def fresh_app(tmp_path):
    """The dashboard on a server of this test's own, that no browser has visited yet."""
    with running_server(tmp_path / "streamlit.log") as base_url:
        yield LiveApp(base_url)


def launch_chromium(playwright):
    """Debian's Chromium, headless, with the flags this machine needs (Playwright's own download does not
    work here); RuntimeError naming the fix if it is not installed."""
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser context (its own cookies and storage: a new student) per test."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session")
def app(live_server) -> LiveApp:
    return LiveApp(live_server)
