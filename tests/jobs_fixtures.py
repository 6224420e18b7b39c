"""A job queue of a test's own: its database and huey queue in the test's folder, its consumer's workers
threads of the test process (tests/test_workers.py runs real worker processes), and fake work kinds that
need no TensorFlow.

    from jobs_fixtures import lab, run_consumer  # noqa: F401  (fixtures, found by name)
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time

import pytest

from dashboard.state import jobs, store, work, workers

WAIT_S = 60  # a deadline for a broken queue, never reached by a working one


class Gated:
    """A fake run's steps, each taken only when the test releases one; counts its calls by name."""

    runs: dict = {}

    def __init__(self, steps: int = 3, result="trained", error: Exception | None = None):
        self.steps, self.result, self.error = steps, result, error
        self.calls = 0
        self.started = threading.Event()
        self.stop_seen = False
        self._step = threading.Semaphore(0)

    def release(self, steps: int = 1) -> None:
        self._step.release(steps)

    def __call__(self, params, on_progress, should_stop):
        self.calls += 1
        self.started.set()
        if self.error is not None:
            raise self.error
        for step in range(1, self.steps + 1):
            assert self._step.acquire(timeout=WAIT_S), "the test never released a step"
            on_progress({"step": step})
            deadline = time.monotonic() + jobs.HEARTBEAT_S * 3  # the beat that tells of a stop has come by then
            while time.monotonic() < deadline and not should_stop() and params.get("watch_stop"):
                time.sleep(0.05)
            if should_stop():
                self.stop_seen = True
                return f"partial after {step}"
        return self.result


def run_gated(params, on_progress, should_stop):
    return Gated.runs[params["name"]](params, on_progress, should_stop)


GATED = work.Work(run_gated, lambda value: repr(value).encode(), lambda payload: payload.decode(), dict, dict, 30.0)


def started(run: Gated) -> None:
    assert run.started.wait(WAIT_S), "the run never started"


@contextlib.contextmanager
def run_consumer(queue: jobs.Queue, count: int):
    """`count` thread workers on `queue` in this process until the block ends (pytest keeps its signals)."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = workers.consumer(count, "thread", queue, preload=False)
    consumer.start()
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """(make, Gated): make(workers=2, **JobQueue options) -> a JobQueue over this test's database and huey
    queue, with its thread workers running; Gated runs registered under the kind "test.gated"."""
    from huey import SqliteHuey

    monkeypatch.setenv("RECURRENCE_LAB_DB_PATH", str(tmp_path / "lab.sqlite3"))
    monkeypatch.setitem(work.KINDS, "test.gated", GATED)
    monkeypatch.setattr(Gated, "runs", {})
    stack = contextlib.ExitStack()

    def make(workers: int = 2, **options) -> jobs.JobQueue:
        queue = jobs.make_queue(SqliteHuey("test", filename=str(tmp_path / "queue.sqlite3"), results=False))
        stack.enter_context(run_consumer(queue, workers))
        return jobs.JobQueue(queue, **options)

    with stack:
        yield make, Gated
        for run in Gated.runs.values():  # let every held run end, so its worker thread can stop
            run.release(100)
    store.dispose()


class LocalQueue(jobs.JobQueue):
    """A JobQueue whose huey queue is a file in `folder`, with `workers` thread workers of this process
    (which train with this process's TensorFlow) until `close()`. The database is the environment's."""

    def __init__(self, folder, workers: int = 2):
        from huey import SqliteHuey

        super().__init__(jobs.make_queue(SqliteHuey("test", filename=str(folder / "queue.sqlite3"), results=False)))
        self._consumer = run_consumer(self.queue, workers)
        self._consumer.__enter__()

    def close(self) -> None:
        self._consumer.__exit__(None, None, None)
