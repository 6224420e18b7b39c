"""Slow work (a training run) as shared jobs, run by worker processes through huey: no UI, no thread pool.

A run is named by its kind and `key` (the settings that decide its result) and by the version of the code
that computes it. The database's `runs` table holds one row per run asked for, so every web process on
every host agrees on it: whoever submits a key that is queued or running joins that run (a row in
`run_waiters`) and sees the same progress; a key already finished is read from the `results` table (and
then from this process's memory: a result is decoded once per process). Otherwise the run is queued: its
row is written, then a huey task carrying its name and its attempt's `token` is enqueued. huey keeps the
queue (`SqliteHuey` in the lab's data folder, or `RedisHuey` at RECURRENCE_LAB_REDIS_URL for several
hosts) and hands each task to one worker process (dashboard/state/workers.py).

The worker marks the row running, trains, and writes its progress snapshots and a heartbeat into the row
from a thread of its own (database errors there are logged and retried, never fatal); every write names
the attempt's token, so a stopped attempt cannot touch its replacement's row. The result and the row's
"done" are committed together. Times are the DATABASE's clock (store.now), never a host's. A row whose
worker stopped beating for STALE_S seconds (a process killed) is marked "lost": its waiters get
LOST_MESSAGE and the next Train queues it again.

A waiter is live while it asked within LEASE_S seconds (a closed tab calls nothing). A queued run that
loses its last waiter is dropped before it runs; a running one is told to stop (`should_stop()`), and its
partial result is not kept. States: queued -> running -> done | failed | stopped; queued -> stopped.
"""
from __future__ import annotations

import hashlib
import heapq
import importlib.metadata
import json
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa

from dashboard.state import store, work

STATES = ("queued", "running", "done", "failed", "stopped")
FINISHED = ("done", "failed", "stopped")
MAX_WAITING = 60          # queued runs (not waiters), over every process: a class of 30, two settings each
LEASE_S = 30.0            # a waiter who has not asked for this long has left (the pages poll every 0.5-1 s)
TOUCH_S = LEASE_S / 4     # a waiter's "still here" is written at most this often
HEARTBEAT_S = 1.0         # a running worker's sign of life, and how soon it hears that nobody waits
PROGRESS_MIN_S = 0.2      # snapshots are written at most this often (a text lab epoch takes ~10 ms)
STALE_S = 15.0            # a running row silent for this long has lost its worker
QUEUED_STALE_S = 3600.0   # a queued row this old has lost its task (a queue emptied by hand, say)
DURATIONS_KEPT = 20       # the estimate is the mean of the last finished runs of the kind
DURATIONS_TTL_S = 5.0     # ... read from the database at most this often per process
KEEP_DECODED = 128        # finished results (and their progress) kept decoded in this process, least recently used out
POLL_S = 0.25             # wait()'s look at the row
WORKERS_ENV = "RECURRENCE_LAB_JOB_WORKERS"   # worker processes the app starts; 0: they run elsewhere
REDIS_ENV = "RECURRENCE_LAB_REDIS_URL"       # the queue for several hosts; unset: SQLite in the data folder
LOST_MESSAGE = ("The worker training this run stopped before it finished (its process ended). "
                "Press Train to try again.")
ROOT = Path(__file__).resolve().parents[2]

_log = logging.getLogger(__name__)


class QueueFull(RuntimeError):
    """No room in the queue for another run; the message says how many are waiting."""


@dataclass
class Ticket:
    """One waiter's claim on one run; hand it back to `status`, `wait` and `leave`."""
    kind: str
    key: tuple
    waiter_id: str
    touched: float = field(default=0.0, compare=False)  # time.monotonic() of the last "still here"

    @property
    def text(self) -> str:
        return key_text(self.key)


@dataclass(frozen=True)
class JobStatus:
    state: str                # one of STATES
    place: int | None         # 1-based place in the queue while "queued", else None
    estimate_s: float | None  # seconds until the result is expected; 0.0 once finished
    progress: tuple           # every snapshot the work reported so far, in order
    result: Any               # the result once "done", else None
    error: str | None         # "failed": why
    waiters: int              # how many waiters the run has now

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def key_text(key: tuple) -> str:
    return json.dumps(key)


_version: str | None = None


def code_version() -> str:
    """A digest of everything that decides a result: rnncore's source, the work kinds, and the numerical
    libraries' versions. A result stored by other code is not served (an upgrade trains anew)."""
    global _version
    if _version is None:
        digest = hashlib.sha256()
        for path in sorted((ROOT / "rnncore").rglob("*.py")) + [ROOT / "dashboard" / "state" / "work.py"]:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
        for package in ("tensorflow", "keras", "tf-keras", "numpy"):
            try:
                digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
            except importlib.metadata.PackageNotFoundError:
                digest.update(f"{package} missing".encode())
        _version = digest.hexdigest()[:32]
    return _version


# ------------------------------------------------------------------ the queue itself (huey)

class Queue(NamedTuple):
    huey: Any   # huey.Huey: the queue's storage, and what a consumer runs
    run: Any    # its task: run(key text, code version, token) enqueues `execute` with those arguments


def make_queue(huey=None) -> Queue:
    """The huey queue the environment names: RedisHuey at RECURRENCE_LAB_REDIS_URL, else SqliteHuey in
    the lab's data folder (or `huey`, a test's), with our one task. Results travel through our database,
    so huey keeps none."""
    from huey import RedisHuey, SqliteHuey

    if huey is None:
        redis_url = os.environ.get(REDIS_ENV, "").strip()
        if redis_url:
            huey = RedisHuey("recurrence-lab", url=redis_url, results=False)
        else:
            huey = SqliteHuey("recurrence-lab", filename=str(store.data_folder() / "queue.sqlite3"), results=False)
    return Queue(huey, huey.task(name="run")(execute))


def worker_count() -> int:
    """RECURRENCE_LAB_JOB_WORKERS, else one less than the cores (the web process keeps one), at least 1."""
    workers = os.environ.get(WORKERS_ENV, "").strip()
    if not workers:
        return max((os.cpu_count() or 1) - 1, 1)
    if not workers.isdigit() or int(workers) > 64:
        raise ValueError(f"{WORKERS_ENV} must be a whole number from 0 to 64, got {workers!r}")
    return int(workers)


# ------------------------------------------------------------------ the waiters' side

class JobQueue:
    """What a web process does with runs: submit, look, wait, leave, read finished results."""

    def __init__(self, queue: Queue | None = None, max_waiting: int = MAX_WAITING):
        self.queue = queue if queue is not None else make_queue()
        self.max_waiting = max_waiting
        self._lock = threading.Lock()
        self._decoded: OrderedDict[tuple, Any] = OrderedDict()   # (key text, version) -> result; and its progress
        self._durations: tuple[float, dict] = (-DURATIONS_TTL_S, {})

    # -- finished results

    def stored(self, kind: str, key: tuple):
        """The finished result of (`kind`, `key`) for this code, decoded once per process; or None."""
        name = (key_text(key), code_version())
        with self._lock:
            if name in self._decoded:
                self._decoded.move_to_end(name)
                return self._decoded[name]
        row = store.get_result(*name)
        if row is None or row.kind != kind:
            return None
        try:
            result = work.work(kind).decode(row.payload)
        except ValueError:  # written by a version that hashed the same: train again rather than fail the page
            _log.exception("stored result %s could not be read", name[0])
            return None
        self._keep(name, result)
        return result

    # -- runs

    def submit(self, kind: str, key: tuple, params: dict, waiter_id: str) -> Ticket:
        """Join the run for `key`, or queue one; QueueFull if no room is left. Submitting again with the
        same waiter and key returns an equal ticket and changes nothing."""
        work.work(kind)  # an unknown kind is refused here, not in a worker
        ticket, version, text = Ticket(kind, key, waiter_id, time.monotonic()), code_version(), key_text(key)
        if self.stored(kind, key) is not None:
            return ticket
        token = uuid.uuid4().hex
        with store.transaction(store.engine()) as conn:
            t = store.now(conn)
            queued = self._queued_count(conn, t)
            inserted = conn.execute(store._insert(conn, store.runs).values(
                key=text, code_version=version, token=token, kind=kind, params=params, state="queued",
                progress=[], created_at=t, heartbeat=t).on_conflict_do_nothing(
                index_elements=["key", "code_version"]).returning(store.runs.c.token)).first() is not None
            if inserted:
                self._check_room(queued)
            else:
                row = conn.execute(sa.select(store.runs).where(*_named(text, version)).with_for_update()).one()
                if _joinable(row, t):
                    token = None
                elif row.state == "done" and store.get_result(text, version) is not None:
                    return ticket  # finished between our look at the results and this transaction
                else:
                    self._check_room(queued)
                    conn.execute(store.runs.update().where(*_named(text, version), store.runs.c.token == row.token)
                                 .values(token=token, kind=kind, params=params, state="queued", progress=[],
                                         error=None, created_at=t, started_at=None, heartbeat=t, ended_at=None))
            store.upsert(conn, store.run_waiters, {"key": text, "code_version": version, "waiter": waiter_id,
                                                   "seen": t}, ["key", "code_version", "waiter"])
        if token is not None:
            try:
                self.queue.run(text, version, token)
            except Exception as error:  # the queue is down: say so on the row rather than leave it queued
                _log.exception("enqueueing run %s failed", text)
                _end(text, version, token, "failed", error=f"The job queue could not be reached: {error}")
        return ticket

    def _queued_count(self, conn, t: float) -> int:
        return conn.execute(sa.select(sa.func.count()).select_from(store.runs).where(
            store.runs.c.state == "queued", store.runs.c.created_at > t - QUEUED_STALE_S)).scalar_one()

    def _check_room(self, queued: int) -> None:
        if queued >= self.max_waiting:
            raise QueueFull(f"The queue is full: {queued} runs are already waiting (at most {self.max_waiting}). "
                            "Try again when one has finished, or pick settings someone has already trained.")

    def status(self, ticket: Ticket) -> JobStatus:
        text, version = ticket.text, code_version()
        result = self.stored(ticket.kind, ticket.key)
        if result is not None:
            return JobStatus("done", None, 0.0, self._progress(ticket, text, version), result, None, 0)
        with store.transaction(store.engine(), write=False) as conn:
            t = store.now(conn)
            row = conn.execute(sa.select(store.runs).where(*_named(text, version))).first()
            waiters = _live_waiters(conn, text, version, t)
            live = conn.execute(sa.select(store.runs.c.key, store.runs.c.code_version, store.runs.c.kind, store.runs.c.state,
                                          store.runs.c.created_at, store.runs.c.started_at, store.runs.c.heartbeat)
                                .where(store.runs.c.state.in_(("queued", "running")))
                                .order_by(store.runs.c.created_at)).all() if row is not None and row.state == "queued" else []
        if row is None:
            return JobStatus("stopped", None, 0.0, (), None, None, waiters)
        if time.monotonic() - ticket.touched > TOUCH_S:
            self._touch(ticket, text, version)
        progress = self._decode_progress(row.kind, row.progress)
        state, error = row.state, row.error
        if _stale(row, t):
            _lose(text, version, row.token)
            state, error = "lost", LOST_MESSAGE
        if state == "lost":
            return JobStatus("failed", None, 0.0, progress, None, error or LOST_MESSAGE, waiters)
        if state == "done":  # it finished since our first look: its result is stored (unless pruned since)
            result = self.stored(ticket.kind, ticket.key)
            return JobStatus("done" if result is not None else "stopped", None, 0.0, progress, result, None, waiters)
        if state in FINISHED:
            return JobStatus(state, None, 0.0, progress, None, error, waiters)
        place, estimate = self._place_and_estimate(row, live, t)
        return JobStatus(state, place, estimate, progress, None, None, waiters)

    def _progress(self, ticket: Ticket, text: str, version: str) -> tuple:
        """A done run's snapshots, if its row is still there (a run stored long ago has none); read once per
        process, as its result: they no longer change."""
        name = ("progress", text, version)
        with self._lock:
            if name in self._decoded:
                return self._decoded[name]
        with store.transaction(store.engine(), write=False) as conn:
            row = conn.execute(sa.select(store.runs.c.kind, store.runs.c.state, store.runs.c.progress)
                               .where(*_named(text, version))).first()
        progress = self._decode_progress(row.kind, row.progress) if row is not None else ()
        if row is not None and row.state == "done":
            self._keep(name, progress)
        return progress

    def _keep(self, name: tuple, value) -> None:
        with self._lock:
            self._decoded[name] = value
            while len(self._decoded) > KEEP_DECODED:
                self._decoded.popitem(last=False)

    @staticmethod
    def _decode_progress(kind: str, progress: list) -> tuple:
        decode = work.work(kind).snapshot_from_json
        return tuple(decode(snapshot) for snapshot in progress)

    def _touch(self, ticket: Ticket, text: str, version: str) -> None:
        """This waiter is still here (one who left stays gone: nothing is inserted)."""
        try:
            with store.transaction(store.engine()) as conn:
                conn.execute(store.run_waiters.update().where(
                    store.run_waiters.c.key == text, store.run_waiters.c.code_version == version,
                    store.run_waiters.c.waiter == ticket.waiter_id).values(seen=store.now(conn)))
            ticket.touched = time.monotonic()
        except sa.exc.OperationalError:  # a busy database: the next look tries again, well within the lease
            _log.warning("could not renew waiter %s of %s", ticket.waiter_id, text)

    def _mean_durations(self) -> dict:
        """kind -> mean seconds of its last DURATIONS_KEPT finished runs, over every process."""
        read_at, means = self._durations
        if time.monotonic() - read_at < DURATIONS_TTL_S:
            return means
        with store.transaction(store.engine(), write=False) as conn:
            rows = conn.execute(sa.select(store.runs.c.kind, store.runs.c.started_at, store.runs.c.ended_at)
                                .where(store.runs.c.state == "done", store.runs.c.started_at.is_not(None))
                                .order_by(store.runs.c.ended_at.desc()).limit(DURATIONS_KEPT * len(work.KINDS))).all()
        durations: dict[str, list] = {}
        for row in rows:
            durations.setdefault(row.kind, []).append(row.ended_at - row.started_at)
        means = {kind: sum(d[:DURATIONS_KEPT]) / len(d[:DURATIONS_KEPT]) for kind, d in durations.items()}
        self._durations = (time.monotonic(), means)
        return means

    def _place_and_estimate(self, row, live: list, t: float) -> tuple[int | None, float]:
        """Place in the queue, and seconds until the result if every run takes its kind's mean: the running
        runs finish, then the queued ones ahead take the earliest free worker in turn. As many workers as
        runs are running (when some wait, every worker is busy), so it holds for workers on any host."""
        means = self._mean_durations()

        def mean(kind: str) -> float:
            return means.get(kind, work.work(kind).default_estimate_s)

        if row.state == "running":
            return None, max(mean(row.kind) - (t - (row.started_at or t)), 0.0)
        running = [r for r in live if r.state == "running" and not _stale(r, t)]
        free_at = [max(mean(r.kind) - (t - (r.started_at or t)), 0.0) for r in running] or [0.0]
        heapq.heapify(free_at)
        queued = [r for r in live if r.state == "queued" and not _stale(r, t)]
        for place, ahead in enumerate(queued, 1):
            start = heapq.heappop(free_at)
            if (ahead.key, ahead.code_version) == (row.key, row.code_version):
                return place, start + mean(row.kind)
            heapq.heappush(free_at, start + mean(ahead.kind))
        return 1, mean(row.kind)

    def wait(self, ticket: Ticket, timeout: float | None = None, progress_seen: int | None = None) -> JobStatus:
        """Until the run finishes (or, with `progress_seen`, has more snapshots than that), or `timeout`
        seconds pass; then its status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status(ticket)
            if status.finished or (progress_seen is not None and len(status.progress) > progress_seen):
                return status
            if deadline is not None and time.monotonic() >= deadline:
                return status
            time.sleep(POLL_S if deadline is None else max(min(POLL_S, deadline - time.monotonic()), 0))

    def leave(self, ticket: Ticket) -> None:
        """This waiter stops waiting. A run nobody waits for any more is dropped (queued) or told to stop
        by its worker's next heartbeat (running); the other waiters' run goes on."""
        text, version = ticket.text, code_version()
        with store.transaction(store.engine()) as conn:
            conn.execute(store.run_waiters.delete().where(
                store.run_waiters.c.key == text, store.run_waiters.c.code_version == version,
                store.run_waiters.c.waiter == ticket.waiter_id))
            t = store.now(conn)
            if not _live_waiters(conn, text, version, t):
                conn.execute(store.runs.update().where(*_named(text, version), store.runs.c.state == "queued")
                             .values(state="stopped", ended_at=t))


def _named(text: str, version: str) -> tuple:
    return store.runs.c.key == text, store.runs.c.code_version == version


def _live_waiters(conn, text: str, version: str, t: float) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(store.run_waiters).where(
        store.run_waiters.c.key == text, store.run_waiters.c.code_version == version,
        store.run_waiters.c.seen > t - LEASE_S)).scalar_one()


def _stale(row, t: float) -> bool:
    """A running row whose worker went silent, or a queued row whose task is long gone."""
    return (row.state == "running" and row.heartbeat < t - STALE_S) or \
        (row.state == "queued" and row.created_at < t - QUEUED_STALE_S)


def _joinable(row, t: float) -> bool:
    return row.state in ("queued", "running") and not _stale(row, t)


def _lose(text: str, version: str, token: str) -> None:
    """Mark a silent attempt lost (only that attempt, and only if it is still silent)."""
    with store.transaction(store.engine()) as conn:
        t = store.now(conn)
        conn.execute(store.runs.update().where(
            *_named(text, version), store.runs.c.token == token, store.runs.c.state.in_(("queued", "running")),
            sa.or_(sa.and_(store.runs.c.state == "running", store.runs.c.heartbeat < t - STALE_S),
                   sa.and_(store.runs.c.state == "queued", store.runs.c.created_at < t - QUEUED_STALE_S)))
            .values(state="lost", error=LOST_MESSAGE, ended_at=t))


def _end(text: str, version: str, token: str, state: str, error: str | None = None, progress: list | None = None,
         result: tuple[str, bytes] | None = None) -> None:
    """The attempt `token` ended: its row's state (and the result, in the same transaction), then pruning."""
    with store.transaction(store.engine()) as conn:
        values = {"state": state, "error": error, "ended_at": store.now(conn)}
        if progress is not None:
            values["progress"] = progress
        if result is not None:
            store.put_result(conn, text, version, *result)
        conn.execute(store.runs.update().where(*_named(text, version), store.runs.c.token == token).values(**values))
        store.prune(conn, version)


# ------------------------------------------------------------------ the workers' side

class _Beat(threading.Thread):
    """The running attempt's writer: a heartbeat every HEARTBEAT_S, the snapshots when there are new ones,
    and whether anybody still waits. A database error is logged and tried again on the next beat: it
    never ends the run, and a run whose beats stop is seen as lost by its waiters, never as running."""

    def __init__(self, text: str, version: str, token: str):
        super().__init__(name=f"recurrence-lab-beat-{token[:8]}", daemon=True)
        self.text, self.version, self.token = text, version, token
        self.snapshots: list = []
        self.stop_told = False     # nobody waits any more, or the attempt was replaced
        self._written = 0
        self._wake, self._done = threading.Event(), threading.Event()

    def report(self, snapshot: dict) -> None:
        self.snapshots.append(snapshot)
        self._wake.set()

    def run(self) -> None:
        while not self._done.is_set():
            self._wake.wait(HEARTBEAT_S)
            self._wake.clear()
            if self._done.is_set():
                return
            try:
                self.beat()
            except Exception:
                _log.exception("heartbeat of run %s failed", self.text)
            self._done.wait(PROGRESS_MIN_S)

    def beat(self) -> None:
        snapshots = list(self.snapshots)
        with store.transaction(store.engine()) as conn:
            t = store.now(conn)
            values = {"heartbeat": t} | ({"progress": snapshots} if len(snapshots) != self._written else {})
            mine = conn.execute(store.runs.update().where(*_named(self.text, self.version),
                                                          store.runs.c.token == self.token,
                                                          store.runs.c.state == "running").values(**values)).rowcount
            waiting = _live_waiters(conn, self.text, self.version, t)
        self._written = len(snapshots)
        if not mine or not waiting:
            self.stop_told = True

    def finish(self) -> None:
        self._done.set()
        self._wake.set()
        self.join(HEARTBEAT_S * 5)


def execute(text: str, version: str, token: str) -> None:
    """The huey task: run the attempt `token` of the run `text`, if it is still wanted."""
    with store.transaction(store.engine()) as conn:
        row = conn.execute(sa.select(store.runs).where(*_named(text, version)).with_for_update()).first()
        if row is None or row.token != token or row.state != "queued":
            return  # dropped, or replaced by a newer attempt
        t = store.now(conn)
        if version != code_version():
            conn.execute(store.runs.update().where(*_named(text, version), store.runs.c.token == token).values(
                state="failed", ended_at=t, error="This worker runs another version of Recurrence Lab than the "
                                                  "web server that queued the run: restart the workers."))
            return
        if not _live_waiters(conn, text, version, t):
            conn.execute(store.runs.update().where(*_named(text, version), store.runs.c.token == token)
                         .values(state="stopped", ended_at=t))
            return
        conn.execute(store.runs.update().where(*_named(text, version), store.runs.c.token == token)
                     .values(state="running", started_at=t, heartbeat=t))
    job = work.work(row.kind)
    beat = _Beat(text, version, token)
    beat.start()
    try:
        result = job.run(row.params, lambda snapshot: beat.report(job.snapshot_to_json(snapshot)),
                         lambda: beat.stop_told)
    except BaseException as error:  # an Exception: the worker goes on with the next task
        beat.finish()
        if isinstance(error, Exception):
            _log.exception("run %s failed", text)
            _end(text, version, token, "failed", error=f"{type(error).__name__}: {error}", progress=beat.snapshots)
            return
        _end(text, version, token, "lost", error=LOST_MESSAGE, progress=beat.snapshots)  # the worker is stopping
        raise
    beat.finish()
    if beat.stop_told:
        _end(text, version, token, "stopped", progress=beat.snapshots)
    else:
        _end(text, version, token, "done", progress=beat.snapshots, result=(row.kind, job.encode(result)))


# ------------------------------------------------------------------ this process's queue

_default: JobQueue | None = None
_default_lock = threading.Lock()


def default_queue() -> JobQueue:
    """The process's queue, made on first use from the environment (the app starts its workers:
    dashboard/state/workers.py)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = JobQueue()
        return _default
