"""The job queue across processes: runs trained by real worker processes (dashboard.state.workers, with
tests/fake_work.py's "test.sleep" kind: no TensorFlow), followed by clients in processes of their own
(tests/queue_client.py), on SQLite and on a real redis-server; a worker killed with -9 mid-run."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.state import jobs, store, work

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
WAIT_S = 120  # a deadline for a broken queue, never reached by a working one


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of this module's own on a free port of 127.0.0.1 (.ci/install-redis installs Debian's)."""
    server = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if server is None:
        problem = "redis-server not found (run .ci/install-redis)"
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 30
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.exceptions.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not come up"
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(params=["sqlite", "redis"])
def backend(request, tmp_path, monkeypatch) -> dict:
    """The environment of this test's processes: its own database, and its queue in the data folder or Redis."""
    env = {"RECURRENCE_LAB_DB_PATH": str(tmp_path / "lab.sqlite3"), "RECURRENCE_LAB_PRELOAD_TF": "0",
           "PYTHONPATH": str(ROOT)}
    if request.param == "redis":
        env[jobs.REDIS_ENV] = request.getfixturevalue("redis_url")
        import redis

        redis.Redis.from_url(env[jobs.REDIS_ENV]).flushdb()
    else:
        monkeypatch.delenv(jobs.REDIS_ENV, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env
    store.dispose()


@contextlib.contextmanager
def consumer(env: dict, workers: int, log: Path):
    """tests/fake_work.py's consumer with `workers` worker processes until the block ends."""
    with open(log, "a") as out:
        process = subprocess.Popen([sys.executable, str(TESTS / "fake_work.py"), "--workers", str(workers)],
                                   cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client(env: dict, key: str, waiter: str, steps: int, step_s: float, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(TESTS / "queue_client.py"), key, waiter, str(steps), str(step_s),
                             str(log)], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)


def rows() -> list:
    with store.transaction(store.engine(), write=False) as conn:
        return conn.execute(sa.select(store.runs)).all()


def test_a_run_trained_by_a_worker_process_is_followed_by_two_other_processes(backend, tmp_path):
    """Two clients (two web processes' worth) ask for the same run at once: one worker process trains it
    once, both see its steps as they come (through the database) and get the same result."""
    runs_log = tmp_path / "runs.log"
    with consumer(backend, 2, tmp_path / "consumer.log"):
        clients = [client(backend, "same", f"student-{i}", 12, 0.25, runs_log) for i in range(2)]
        outputs = [json.loads(c.communicate(timeout=WAIT_S)[0]) for c in clients]
    for seen in outputs:
        assert seen["result"] == "slept 12 steps" and seen["error"] is None, seen
        assert seen["progress"] == list(range(1, 13))
        assert any(0 < n < 12 for n in seen["progress_seen"]), seen  # live: some steps before the end
        assert "running" in seen["states"] and "done" in seen["states"]
    assert len(runs_log.read_text().split()) == 1  # trained once, by one worker process
    assert [(r.state, r.kind) for r in rows()] == [("done", "test.sleep")]


def test_a_worker_killed_mid_run_leaves_no_stuck_run_and_a_retry_trains_it(backend, tmp_path, monkeypatch):
    monkeypatch.setitem(work.KINDS, "test.sleep", work.Work(None, str.encode, bytes.decode, dict, dict, 5.0))
    monkeypatch.setattr(jobs, "STALE_S", 3.0)  # the waiters' side decides when a silent run is lost
    runs_log = tmp_path / "runs.log"
    queue = jobs.JobQueue()
    params = {"steps": 20, "step_s": 0.2, "log": str(runs_log)}
    with consumer(backend, 1, tmp_path / "consumer.log"):
        ticket = queue.submit("test.sleep", ("sleep", "killed"), params, "student")
        status = queue.wait(ticket, WAIT_S, progress_seen=0)
        assert status.state == "running" and status.progress
        (worker,) = map(int, runs_log.read_text().split())
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + WAIT_S
        while not (status := queue.status(ticket)).finished:
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert (status.state, status.error) == ("failed", jobs.LOST_MESSAGE)
        assert [r.state for r in rows()] == ["lost"]  # not "running"
        again = queue.submit("test.sleep", ("sleep", "killed"), params, "student")  # the student presses Train again
        final = queue.wait(again, WAIT_S)
    assert final.state == "done" and final.result == "slept 20 steps"
    first, second = map(int, runs_log.read_text().split())
    assert first == worker and second != worker  # huey started a new worker process, which trained it
