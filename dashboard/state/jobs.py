"""Slow work (a training run) as shared, queued jobs: plain Python threads, no UI.

A job is named by its `key` (the settings that decide its result). Whoever submits a key that is already
queued, running or finished joins that job instead of starting another: every waiter sees the same
progress snapshots and gets the same result. Different keys wait in one FIFO queue of at most
`max_waiting` jobs; `workers` daemon threads run the jobs at its head, at most `workers` at once.

A job's work is `fn(on_progress, should_stop) -> result`. `on_progress(snapshot)` appends anything (an
epoch's losses, say) to the snapshots every waiter can read; `should_stop()` turns True once nobody waits
for the job any more (every waiter called `leave`, or, with `lease_s`, stopped asking for its status:
a closed browser tab calls nothing), and `fn` should then return early. A queued job that
loses its last waiter is dropped before it runs. A job that was told to stop ends "stopped" and its result
is neither kept nor shared: the next waiter for that key starts a fresh job.

Finished results are kept in a bounded in-memory LRU and, when a `result_cache` is given (any object with
`get(key)` returning None on a miss and `put(key, value)`, e.g. a database table shared by several server
processes), there too; `submit` looks in both before queueing anything.

With a `shared_runs` too (several server processes, one database), a run in progress is shared between
processes: before a worker trains a key it claims it there; if another process holds it, the worker
follows that run instead (its snapshots copied into this job's progress as they arrive, its result taken
from the `result_cache` when it lands) and trains it only if the holder stops showing signs of life or
ends without a result. `shared_runs` needs `claim(key, owner) -> bool`, `beat(key, owner, snapshots)`,
`release(key, owner)` and `peek(key) -> snapshots or None`; it may decline a key (claim True, peek None)
to keep that key's runs local.

States: queued -> running -> done | failed | stopped; queued -> stopped (dropped). A failing `fn` gives
"failed" with its message and leaves its worker running. `default_queue()` is the process's queue.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

STATES = ("queued", "running", "done", "failed", "stopped")
FINISHED = ("done", "failed", "stopped")
MAX_WAITING = 60          # queued jobs (not waiters): a class of 30 with two different settings each
KEEP_FINISHED = 64        # results kept in memory, least recently used dropped first
DEFAULT_ESTIMATE_S = 30.0  # a run's duration until one has finished: about a default Keras lab run's
DURATIONS_KEPT = 20       # the estimate is the mean of the last finished runs' durations
FOLLOW_POLL_S = 0.5      # how often a worker following another process's run looks at it
WORKERS_ENV = "RECURRENCE_LAB_JOB_WORKERS"  # default_queue()'s worker count; unset: os.cpu_count()

_log = logging.getLogger(__name__)


class QueueFull(RuntimeError):
    """No room in the queue for another job; the message says how many are waiting."""


@dataclass(frozen=True)
class Ticket:
    """One waiter's claim on one job; hand it back to `status`, `wait` and `leave`."""
    key: Hashable
    waiter_id: Hashable
    _job: "_Job" = field(compare=False, repr=False)


@dataclass(frozen=True)
class JobStatus:
    state: str                # one of STATES
    place: int | None         # 1-based place in the queue while "queued", else None
    estimate_s: float | None  # seconds until the result is expected; 0.0 once finished
    progress: tuple           # every snapshot fn reported so far, in order
    result: Any               # fn's return value once "done" (or "stopped"), else None
    error: str | None         # "failed": the exception's type and message
    waiters: int              # how many waiters this job has now

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


class _Job:
    """A job's mutable state; read and written only under the queue's lock."""

    def __init__(self, key: Hashable, fn: Callable | None, lock: threading.Lock):
        self.key, self.fn = key, fn
        self.state = "queued"
        self.waiters: dict = {}    # waiter id -> when it last submitted or asked for the status (clock)
        self.progress: list = []
        self.result = self.error = None
        self.stop_told = False     # should_stop() has answered True once: the result will be partial
        self.started = self.ended = None
        self.changed = threading.Condition(lock)  # notified on every progress snapshot and state change


class JobQueue:
    def __init__(self, workers: int | None = None, max_waiting: int = MAX_WAITING, result_cache=None,
                 keep_finished: int = KEEP_FINISHED, default_estimate_s: float = DEFAULT_ESTIMATE_S,
                 lease_s: float | None = None, clock: Callable[[], float] = time.monotonic):
        """`lease_s`: a waiter who has not called submit, status or wait for that many seconds has left
        (None: only `leave` removes one). `clock`: seconds, for the lease (a test passes a fake one)."""
        workers = (os.cpu_count() or 1) if workers is None else workers
        for name, value in (("workers", workers), ("max_waiting", max_waiting), ("keep_finished", keep_finished)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1024:
                raise ValueError(f"{name} must be an integer from 1 to 1024, got {value!r}")
        if result_cache is not None and not (callable(getattr(result_cache, "get", None))
                                             and callable(getattr(result_cache, "put", None))):
            raise TypeError(f"result_cache must have get(key) and put(key, value), got {result_cache!r}")
        self.workers, self.max_waiting, self.result_cache = workers, max_waiting, result_cache
        self.shared_runs = None          # see the module's docstring; set before the first submit
        self.owner = uuid.uuid4().hex    # this queue's name when it claims a run in `shared_runs`
        self.keep_finished, self.default_estimate_s = keep_finished, float(default_estimate_s)
        if lease_s is not None and not lease_s > 0:
            raise ValueError(f"lease_s must be a positive number of seconds or None, got {lease_s!r}")
        self.lease_s, self._clock = lease_s, clock
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # notified when a job is queued or the queue closes
        self._queued: deque[_Job] = deque()
        self._live: dict[Hashable, _Job] = {}       # key -> its queued or running job
        self._finished: OrderedDict[Hashable, _Job] = OrderedDict()  # key -> its "done" job, LRU order
        self._durations: deque[float] = deque(maxlen=DURATIONS_KEPT)
        self._running: list[_Job] = []
        self._closed = False
        names = itertools.count(1)
        self._threads = [threading.Thread(target=self._worker, name=f"rnncore-job-{next(names)}", daemon=True)
                         for _ in range(workers)]
        for thread in self._threads:
            thread.start()

    # ------------------------------------------------------------------ the waiters' side

    def submit(self, key: Hashable, fn: Callable, waiter_id: Hashable) -> Ticket:
        """Join the job for `key`, or queue `fn` as a new one; QueueFull if no room is left.

        Submitting again with the same waiter and key returns an equal ticket and changes nothing."""
        hash(key)  # a TypeError here, not in a worker
        with self._lock:
            job = self._joinable(key)
        if job is None and self.result_cache is not None:
            cached = self.result_cache.get(key)  # outside the lock: may be a database round trip
            with self._lock:
                job = self._joinable(key)
                if job is None and cached is not None:
                    job = _Job(key, None, self._lock)
                    job.state, job.result = "done", cached
                    self._keep(job)
        with self._lock:
            if job is None:
                job = self._joinable(key)
            if job is None:
                self._check_open_and_room()
                job = _Job(key, fn, self._lock)
                self._queued.append(job)
                self._live[key] = job
                self._work.notify()
            job.waiters[waiter_id] = self._clock()
            job.changed.notify_all()
            return Ticket(key, waiter_id, job)

    def status(self, ticket: Ticket) -> JobStatus:
        with self._lock:
            self._seen(ticket)
            return self._status(ticket._job)

    def wait(self, ticket: Ticket, timeout: float | None = None, progress_seen: int | None = None) -> JobStatus:
        """Block until the job finishes (or, with `progress_seen`, until it has more snapshots than that),
        or `timeout` seconds pass; then return its status."""
        job = ticket._job
        with self._lock:
            job.changed.wait_for(lambda: job.state in FINISHED or
                                 (progress_seen is not None and len(job.progress) > progress_seen), timeout)
            self._seen(ticket)
            return self._status(job)

    def leave(self, ticket: Ticket) -> None:
        """This waiter stops waiting. A job nobody waits for any more is told to stop (running) or dropped
        (queued); the other waiters' job goes on."""
        job = ticket._job
        with self._lock:
            job.waiters.pop(ticket.waiter_id, None)
            if not job.waiters and job.state == "queued":
                self._queued.remove(job)
                self._end(job, "stopped")
            job.changed.notify_all()

    def close(self) -> None:
        """Stop taking jobs: drop the queued ones, tell the running ones to stop; workers exit when idle."""
        with self._lock:
            self._closed = True
            while self._queued:
                self._end(self._queued.popleft(), "stopped")
            self._work.notify_all()

    # ------------------------------------------------------------------ internals (lock held)

    def _joinable(self, key: Hashable) -> _Job | None:
        """The live job for `key` unless it was already told to stop, else its kept result."""
        job = self._live.get(key)
        if job is not None and not job.stop_told:
            return job
        job = self._finished.get(key)
        if job is not None:
            self._finished.move_to_end(key)
        return job

    def _seen(self, ticket: Ticket) -> None:
        if ticket.waiter_id in ticket._job.waiters:  # one who left stays gone
            ticket._job.waiters[ticket.waiter_id] = self._clock()

    def _expire(self, job: _Job) -> None:
        """Forget the waiters whose lease ran out."""
        if self.lease_s is not None:
            now = self._clock()
            for waiter_id in [w for w, seen in job.waiters.items() if now - seen > self.lease_s]:
                del job.waiters[waiter_id]

    def _check_open_and_room(self) -> None:
        if self._closed:
            raise RuntimeError("this job queue is closed")
        if len(self._queued) >= self.max_waiting:
            raise QueueFull(f"The queue is full: {len(self._queued)} runs are already waiting (at most "
                            f"{self.max_waiting}) and {len(self._running)} are running. Try again when one "
                            "has finished, or pick settings someone has already trained.")

    def _keep(self, job: _Job) -> None:
        self._finished[job.key] = job
        self._finished.move_to_end(job.key)
        while len(self._finished) > self.keep_finished:
            self._finished.popitem(last=False)

    def _end(self, job: _Job, state: str) -> None:
        job.state, job.ended, job.fn = state, time.monotonic(), None
        if self._live.get(job.key) is job:
            del self._live[job.key]
        job.changed.notify_all()

    def _mean_duration(self) -> float:
        return sum(self._durations) / len(self._durations) if self._durations else self.default_estimate_s

    def _estimate(self, job: _Job) -> float:
        """Seconds until `job` is done if every run takes the mean duration: the running jobs finish, then
        the queued ones ahead take the earliest free worker in turn."""
        mean, now = self._mean_duration(), time.monotonic()
        if job.state == "running":
            return max(mean - (now - job.started), 0.0)
        free_at = [max(mean - (now - running.started), 0.0) for running in self._running]
        free_at += [0.0] * (self.workers - len(free_at))
        heapq.heapify(free_at)
        for ahead in self._queued:
            start = heapq.heappop(free_at)
            if ahead is job:
                return start + mean
            heapq.heappush(free_at, start + mean)
        raise AssertionError("a queued job is not in the queue")

    def _status(self, job: _Job) -> JobStatus:
        self._expire(job)
        queued = job.state == "queued"
        place = self._queued.index(job) + 1 if queued else None
        estimate = 0.0 if job.state in FINISHED else self._estimate(job)
        return JobStatus(job.state, place, estimate, tuple(job.progress), job.result, job.error, len(job.waiters))

    # ------------------------------------------------------------------ the workers' side

    def _worker(self) -> None:
        while True:
            with self._lock:
                self._work.wait_for(lambda: self._queued or self._closed)
                if not self._queued:
                    return  # closed and nothing left
                job = self._queued.popleft()
                self._expire(job)
                if not job.waiters:  # everyone who asked for it has gone meanwhile
                    self._end(job, "stopped")
                    continue
                job.state, job.started = "running", time.monotonic()
                self._running.append(job)
                job.changed.notify_all()
                fn = job.fn
            self._run(job, fn)

    def _run(self, job: _Job, fn: Callable) -> None:
        def on_progress(snapshot) -> None:
            with self._lock:
                job.progress.append(snapshot)
                snapshots = list(job.progress)
                job.changed.notify_all()
            if shared is not None:
                self._share(lambda: shared.beat(job.key, self.owner, snapshots))

        def should_stop() -> bool:
            with self._lock:
                self._expire(job)
                if not job.waiters or self._closed:
                    job.stop_told = True
                return job.stop_told

        shared = self.shared_runs
        followed = False
        if shared is not None and not self._share(lambda: shared.claim(job.key, self.owner), default=True):
            followed, result = self._follow(job, shared, should_stop)
        error = None
        if not followed:
            try:
                result = fn(on_progress, should_stop)
            except Exception as exc:  # a failing run must not take its worker down with it
                _log.exception("job %r failed", job.key)
                result, error = None, f"{type(exc).__name__}: {exc}"
        done = error is None and not job.stop_told
        if done and self.result_cache is not None and not followed:
            try:
                self.result_cache.put(job.key, result)
            except Exception:  # the result is good; only its sharing failed
                _log.exception("result_cache.put failed for job %r", job.key)
        if shared is not None and not followed and not done:  # a done run's row stays: its followers read
            self._share(lambda: shared.release(job.key, self.owner))  # its last snapshots, then its result
        with self._lock:
            self._running.remove(job)
            job.result, job.error = result, error
            if done:
                self._durations.append(time.monotonic() - job.started)
                self._keep(job)
            self._end(job, "done" if done else "failed" if error else "stopped")

    def _follow(self, job: _Job, shared, should_stop) -> tuple[bool, Any]:
        """Another process trains `job.key`: mirror its snapshots until its result is stored (followed,
        result), or until nobody here waits (followed, None: "stopped"). If its holder goes away without a
        result and this queue can claim the key, (False, None): train it here after all."""
        while True:
            if should_stop():
                return True, None
            snapshots = self._mirror(job, shared)
            cached = self.result_cache.get(job.key) if self.result_cache is not None else None
            if cached is not None:
                self._mirror(job, shared)  # its last snapshots, written before its result
                return True, cached
            if snapshots is None:  # its holder ended without a stored result, or died and can be replaced
                if self._share(lambda: shared.claim(job.key, self.owner), default=True):
                    with self._lock:
                        job.progress.clear()
                    return False, None
            time.sleep(FOLLOW_POLL_S)

    def _mirror(self, job: _Job, shared) -> list | None:
        """Copy the snapshots `shared_runs` holds for `job.key` that this job lacks; returns them all."""
        snapshots = self._share(lambda: shared.peek(job.key))
        with self._lock:
            for snapshot in (snapshots or [])[len(job.progress):]:
                job.progress.append(snapshot)
            job.changed.notify_all()
        return snapshots

    @staticmethod
    def _share(call, default=None):
        """A call to `shared_runs`; a database that fails is logged, and the run goes on locally."""
        try:
            return call()
        except Exception:
            _log.exception("shared_runs failed")
            return default


_default: JobQueue | None = None
_default_lock = threading.Lock()


def default_queue() -> JobQueue:
    """The process's shared queue, made on first use: os.cpu_count() workers, or the count in the
    environment variable RECURRENCE_LAB_JOB_WORKERS."""
    global _default
    with _default_lock:
        if _default is None:
            workers = os.environ.get(WORKERS_ENV)
            if workers is not None and not workers.strip().isdigit():
                raise ValueError(f"{WORKERS_ENV} must be a whole number from 1 to 1024, got {workers!r}")
            _default = JobQueue(workers=int(workers) if workers is not None else None)
        return _default
