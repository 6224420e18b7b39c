"""Two Streamlit processes behind nginx on 127.0.0.1, as `make serve-class REPLICAS=2` starts them
(deploy/serve_class.py with deploy/nginx.conf.template): pages load through the proxy, a student stays on
one process (the lab_route cookie), and a run trained through one process shows through the other (the
database they share). The processes get a database of their own, and do not preload TensorFlow (only the
training process needs it, and the 2 cores are shared)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.at_once import run_async
from tests.browser.conftest import free_port
from tests.class_load import RESULT_TEXT, TINY_LINK, Student, train_and_wait

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 150



def get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()


def consecutive_free_ports() -> int:
    """A port p of 127.0.0.1 with p and p + 1 free (serve_class.py numbers its processes from p)."""
    import socket

    for _ in range(100):
        first = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", first + 1))
            except OSError:
                continue
        return first
    raise AssertionError("no two consecutive free ports")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """The proxy's base URL and the two processes' addresses."""
    if not os.path.exists("/usr/sbin/nginx"):
        pytest.skip("/usr/sbin/nginx is missing: run `make nginx` (Debian's nginx)")
    run_dir = tmp_path_factory.mktemp("serve")
    port, first = free_port(), consecutive_free_ports()
    backends = [f"127.0.0.1:{first}", f"127.0.0.1:{first + 1}"]
    env = {**os.environ, "RECURRENCE_LAB_DB_PATH": str(run_dir / "lab.sqlite3"), "RECURRENCE_LAB_PRELOAD_TF": "0"}
    process = subprocess.Popen([sys.executable, "deploy/serve_class.py", "--replicas", "2", "--port", str(port),
                                "--first-backend-port", str(first), "--run-dir", str(run_dir)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()  # "Serving ..." once every process answers, or why not
        assert line.startswith("Serving 2 Streamlit processes"), line + (run_dir / "error.log").read_text(errors="replace") \
            if (run_dir / "error.log").exists() else line
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if get(f"{base_url}/_stcore/health")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "nginx never answered"
                time.sleep(0.2)
        yield base_url, backends
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def lab_route(headers) -> list[str]:
    """The lab_route cookies a response sets (Streamlit sets its own XSRF cookie beside it)."""
    return [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("lab_route=")]


def route_to(base_url: str, backend: str) -> str:
    """A cookie header that nginx routes to `backend`: fresh visitors until one lands there."""
    for _ in range(60):
        _, headers, _ = get(base_url + "/")
        if headers["X-Lab-Upstream"] == backend:
            return lab_route(headers)[0].split(";")[0]
    raise AssertionError(f"60 fresh visitors and none routed to {backend}")


def test_pages_load_through_the_proxy_and_fresh_visitors_spread(proxy):
    base_url, backends = proxy
    for path in ("/", "/keras_lab", "/by_hand", "/_stcore/health"):
        status, headers, body = get(base_url + path)
        assert status == 200 and headers["X-Lab-Upstream"] in backends
        (cookie,) = lab_route(headers)
        assert "HttpOnly" in cookie and "Path=/" in cookie
    assert b"<title>" in get(base_url + "/keras_lab")[2]
    for backend in backends:  # both are used: each gets some fresh visitors
        route_to(base_url, backend)


def test_a_class_of_fresh_visitors_splits_evenly(proxy):
    """Round robin for newcomers: 10 fresh browsers are 5 and 5, not a coin toss each."""
    base_url, backends = proxy
    reached = [get(base_url + "/")[1]["X-Lab-Upstream"] for _ in range(10)]
    assert sorted(reached.count(backend) for backend in backends) == [5, 5], reached


@pytest.mark.parametrize("cookie", ["lab_route=127.0.0.1:22", "lab_route=p7", "lab_route=", "lab_route=p0p1"])
def test_an_edited_route_cookie_is_ignored(proxy, cookie):
    """Only the processes' own names route; anything else is a newcomer: served, and given a real route."""
    base_url, backends = proxy
    status, headers, _ = get(base_url + "/", cookie)
    assert status == 200 and headers["X-Lab-Upstream"] in backends
    (fresh,) = lab_route(headers)
    assert fresh.split(";")[0] in {"lab_route=p0", "lab_route=p1"}


def test_a_student_stays_on_one_process(proxy):
    base_url, backends = proxy
    for backend in backends:
        cookie = route_to(base_url, backend)
        for path in ("/", "/keras_lab", "/static/", "/_stcore/health"):
            try:
                _, headers, _ = get(base_url + path, cookie)
            except urllib.error.HTTPError as error:  # a 404 still says which process answered
                headers = error.headers
            assert headers["X-Lab-Upstream"] == backend and not lab_route(headers)

        async def sessions() -> list:
            students = [Student(base_url, i, cookie=cookie) for i in range(3)]  # the same browser, reconnecting
            upstreams = []
            for student in students:
                await student.connect()
                run = await student.open("/lengths?steps=5")
                assert not run.errors, run.errors
                upstreams.append(student.upstream)
                await student.close()
            return upstreams

        assert run_async(sessions()) == [backend] * 3


@contextlib.asynccontextmanager
async def one_on_each(base_url: str, first: str, second: str):
    """Two connected students, the first on process `first`, the second on `second`; closed after."""
    students = (Student(base_url, 0, cookie=route_to(base_url, first)),
                Student(base_url, 1, cookie=route_to(base_url, second)))
    for student in students:
        await student.connect()
    try:
        yield students
    finally:
        for student in students:
            await student.close()


def test_a_run_trained_through_one_process_shows_through_the_other(proxy):
    base_url, (first, second) = proxy
    link = TINY_LINK + "&lab_seed=31"

    async def train_then_look() -> tuple:
        async with one_on_each(base_url, first, second) as (trainer, looker):
            before = await looker.open(link)  # nothing trained yet: the looker's page says so
            assert not before.errors and not any(RESULT_TEXT in t for t in looker.texts)
            trained = await train_and_wait(trainer, link)
            trained_texts = list(trainer.texts)
            after = await looker.open(link)  # the same link, through the other process
            assert not after.errors, after.errors
            return trained, trained_texts, list(looker.texts), trainer.upstream, looker.upstream

    trained, trained_texts, looked_texts, trainer_upstream, looker_upstream = run_async(train_then_look())
    assert (trainer_upstream, looker_upstream) == (first, second)
    assert not trained["errors"], trained["errors"]
    caption = [t for t in trained_texts if RESULT_TEXT in t]
    assert len(caption) == 1 and caption == [t for t in looked_texts if RESULT_TEXT in t]  # the same run's times


def test_a_run_in_progress_on_one_process_is_followed_from_the_other(proxy):
    """Two students on two processes press Train with the same new settings, the second while the first's
    run trains: the second process follows that run (one row of the database's runs table, trained by the one set of workers):
    its page shows the run's epochs, then the same result with the same training time (a second training
    would show a time of its own)."""
    base_url, (first, second) = proxy
    # The lab's largest series and epochs and two cells: a run long enough to be caught while it trains on a
    # fast machine (SimpleRNN alone on 50 steps could end between two polls).
    link = ("/keras_lab?lab_examples=2000&lab_steps=100&lab_units=16&lab_epochs=30&lab_lstm=true&lab_gru=false"
            "&lab_seed=47")

    async def both() -> tuple:
        async with one_on_each(base_url, first, second) as (trainer, follower):
            training = asyncio.create_task(train_and_wait(trainer, link))
            deadline = time.monotonic() + START_TIMEOUT_S
            while not any("epoch " in text for text in trainer.texts):  # its run has begun
                assert not training.done(), training.result()["errors"]
                assert time.monotonic() < deadline, trainer.texts
                await asyncio.sleep(0.2)
            followed = await train_and_wait(follower, link)
            return await training, list(trainer.texts), followed, list(follower.texts)

    trained, trained_texts, followed, followed_texts = run_async(both())
    assert not trained["errors"] and not followed["errors"], (trained["errors"], followed["errors"])
    assert not any(RESULT_TEXT in text for text in followed["first_texts"]), "the run had ended before the second Train"
    assert followed["saw_epochs"], "the second process's page never showed the run's epochs"
    caption = [t for t in trained_texts if RESULT_TEXT in t]
    assert len(caption) == 1 and caption == [t for t in followed_texts if RESULT_TEXT in t]
