"""dashboard.state.jobs with fake runs (no TensorFlow): each run takes one step per release by the test, so every
test sequences its threads with Events and semaphores, and asserts no timing."""
from __future__ import annotations

import threading
import time

import pytest

from dashboard.state.jobs import JobQueue, QueueFull, Ticket, default_queue

WAIT_S = 10  # a deadline for a broken queue, never reached by a working one


class FakeRun:
    """A run of `steps` steps: it counts its calls, reports each step, takes a step only when the test
    releases one, and asks should_stop() after each step like training.train does after each epoch."""

    def __init__(self, steps: int = 3, result="trained", error: Exception | None = None):
        self.steps, self.result, self.error = steps, result, error
        self.calls = 0
        self.started = threading.Event()
        self.stop_seen = False
        self._step = threading.Semaphore(0)

    def release(self, steps: int = 1) -> None:
        self._step.release(steps)

    def __call__(self, on_progress, should_stop):
        self.calls += 1
        self.started.set()
        if self.error is not None:
            raise self.error
        for step in range(1, self.steps + 1):
            assert self._step.acquire(timeout=WAIT_S), "the test never released a step"
            on_progress({"step": step})
            if should_stop():
                self.stop_seen = True
                return f"partial after {step}"
        return self.result


@pytest.fixture
def make_queue():
    queues = []

    def make(**kwargs) -> JobQueue:
        queues.append(JobQueue(**kwargs))
        return queues[-1]

    yield make
    for queue in queues:
        queue.close()


def started(run: FakeRun) -> None:
    assert run.started.wait(WAIT_S), "the run never started"


def test_identical_concurrent_requests_run_once_and_share_progress_and_result(make_queue):
    queue, run = make_queue(workers=2), FakeRun(steps=2, result=object())
    students = 8
    barrier, tickets = threading.Barrier(students), [None] * students

    def student(i: int) -> None:
        barrier.wait()  # every student presses Train at the same moment
        tickets[i] = queue.submit("settings", run, waiter_id=f"student-{i}")

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    started(run)
    run.release()
    first = queue.wait(tickets[0], WAIT_S, progress_seen=0)
    assert first.progress == ({"step": 1},) and first.waiters == students
    assert all(queue.status(t).progress == first.progress for t in tickets)  # the same live curve
    run.release()
    finals = [queue.wait(t, WAIT_S) for t in tickets]
    assert run.calls == 1
    assert {s.state for s in finals} == {"done"}
    assert all(s.result is run.result for s in finals)
    assert all(s.progress == ({"step": 1}, {"step": 2}) for s in finals)
    late = queue.submit("settings", FakeRun(), waiter_id="late")  # finished: kept, not run again
    assert queue.status(late).state == "done" and queue.status(late).result is run.result


def test_same_waiter_submitting_twice_changes_nothing(make_queue):
    queue, run = make_queue(workers=1), FakeRun(steps=1)
    first, again = queue.submit("k", run, "w"), queue.submit("k", run, "w")
    assert first == again and queue.status(first).waiters == 1
    run.release()
    assert queue.wait(first, WAIT_S).state == "done" and run.calls == 1


def test_different_keys_wait_in_order_with_their_place_and_an_estimate(make_queue):
    queue = make_queue(workers=1, default_estimate_s=30.0)
    runs = {key: FakeRun(steps=1, result=key) for key in "ABCD"}
    tickets = {key: queue.submit(key, run, waiter_id=f"w{key}") for key, run in runs.items()}
    started(runs["A"])
    status = {key: queue.status(t) for key, t in tickets.items()}
    assert status["A"].state == "running" and status["A"].place is None
    assert [status[key].place for key in "BCD"] == [1, 2, 3]
    assert {status[key].state for key in "BCD"} == {"queued"}
    # No run has finished: each takes the default 30 s, one at a time; A has just started.
    assert status["A"].estimate_s == pytest.approx(30, abs=1)
    assert [status[key].estimate_s for key in "BCD"] == pytest.approx([60, 90, 120], abs=1)
    runs["A"].release()
    assert queue.wait(tickets["A"], WAIT_S).state == "done"
    started(runs["B"])
    assert [queue.status(tickets[key]).place for key in "CD"] == [1, 2]
    for key in "BCD":
        runs[key].release()
        assert queue.wait(tickets[key], WAIT_S).result == key
    assert [run.calls for run in runs.values()] == [1, 1, 1, 1]


def test_at_most_workers_run_at_once(make_queue):
    queue = make_queue(workers=2)
    runs = [FakeRun(steps=1) for _ in range(3)]
    tickets = [queue.submit(i, run, f"w{i}") for i, run in enumerate(runs)]
    started(runs[0]), started(runs[1])
    assert [queue.status(t).state for t in tickets] == ["running", "running", "queued"]
    assert queue.status(tickets[2]).place == 1
    runs[1].release()
    started(runs[2])
    for run, ticket in zip(runs, tickets):
        run.release()
        assert queue.wait(ticket, WAIT_S).state == "done"


def test_a_waiter_who_leaves_keeps_the_others_run_going(make_queue):
    queue, run = make_queue(workers=1), FakeRun(steps=2)
    stays, leaves = queue.submit("k", run, "stays"), queue.submit("k", run, "leaves")
    started(run)
    queue.leave(leaves)  # this student pressed Stop
    assert queue.status(stays).waiters == 1
    run.release(2)
    final = queue.wait(stays, WAIT_S)
    assert final.state == "done" and final.result == "trained" and not run.stop_seen


def test_a_run_stops_when_its_last_waiter_leaves_and_is_not_kept(make_queue):
    queue, run = make_queue(workers=1), FakeRun(steps=3)
    first, second = queue.submit("k", run, "a"), queue.submit("k", run, "b")
    started(run)
    queue.leave(first)
    queue.leave(second)
    run.release()
    final = queue.wait(first, WAIT_S)
    assert run.stop_seen and final.state == "stopped" and final.result == "partial after 1"
    rerun = FakeRun(steps=1)
    ticket = queue.submit("k", rerun, "c")  # a stopped run is no result: the next request trains again
    rerun.release()
    assert queue.wait(ticket, WAIT_S).state == "done" and rerun.calls == 1


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_with_a_lease_a_waiter_who_stops_asking_has_left(make_queue):
    """A closed browser tab calls no `leave`: it just stops polling the status."""
    clock = FakeClock()
    queue, run = make_queue(workers=1, lease_s=10, clock=clock), FakeRun(steps=3)
    polls, gone = queue.submit("k", run, "polls"), queue.submit("k", run, "gone")
    started(run)
    clock.now = 8
    queue.status(polls)
    clock.now = 12  # "gone" last seen at 0, "polls" at 8
    run.release()
    assert queue.wait(polls, WAIT_S, progress_seen=0).waiters == 1 and not run.stop_seen
    clock.now = 30  # now nobody has asked for 18 s
    run.release()
    assert queue.wait(gone, WAIT_S).state == "stopped" and run.stop_seen


def test_a_queued_job_whose_waiters_all_left_is_dropped(make_queue):
    queue = make_queue(workers=1)
    running, dropped, after = FakeRun(steps=1), FakeRun(steps=1), FakeRun(steps=1)
    first = queue.submit("A", running, "a")
    started(running)
    gone, next_one = queue.submit("B", dropped, "b"), queue.submit("C", after, "c")
    assert queue.status(next_one).place == 2
    queue.leave(gone)
    assert queue.status(gone).state == "stopped"
    assert queue.status(next_one).place == 1
    running.release()
    after.release()
    assert queue.wait(next_one, WAIT_S).state == "done"
    assert queue.wait(first, WAIT_S).state == "done" and dropped.calls == 0


def test_a_full_queue_says_how_many_wait_and_identical_requests_still_join(make_queue):
    queue = make_queue(workers=1, max_waiting=2)
    runs = [FakeRun(steps=1) for _ in range(3)]
    tickets = [queue.submit(0, runs[0], "w0")]
    started(runs[0])
    tickets += [queue.submit(i, run, f"w{i}") for i, run in enumerate(runs[1:], 1)]
    with pytest.raises(QueueFull, match="2 runs are already waiting"):
        queue.submit("another", FakeRun(), "w9")
    joined = queue.submit(2, FakeRun(), "w9")  # the same settings as a queued run: no new job
    assert queue.status(joined).place == 2 and queue.status(joined).waiters == 2
    for run, ticket in zip(runs, tickets):
        run.release()
        assert queue.wait(ticket, WAIT_S).state == "done"


def test_a_failing_run_is_failed_with_its_message_and_the_worker_goes_on(make_queue):
    queue = make_queue(workers=1)
    broken = queue.submit("bad", FakeRun(error=ValueError("units out of range")), "a")
    good_run = FakeRun(steps=1)
    good = queue.submit("good", good_run, "b")
    status = queue.wait(broken, WAIT_S)
    assert status.state == "failed" and status.error == "ValueError: units out of range"
    good_run.release()
    assert queue.wait(good, WAIT_S).state == "done"
    retry = FakeRun(steps=1)
    again = queue.submit("bad", retry, "c")  # a failure is not kept
    retry.release()
    assert queue.wait(again, WAIT_S).state == "done" and retry.calls == 1


class DictCache:
    """A result_cache like the database's results table, backed by a dict."""

    def __init__(self):
        self.values, self.gets, self.puts = {}, 0, 0

    def get(self, key):
        self.gets += 1
        return self.values.get(key)

    def put(self, key, value):
        self.puts += 1
        self.values[key] = value


def test_the_result_cache_is_filled_and_read_across_queues(make_queue):
    cache = DictCache()
    run = FakeRun(steps=1, result={"mse": 0.1})
    first = make_queue(workers=1, result_cache=cache)
    ticket = first.submit("k", run, "a")
    run.release()
    assert first.wait(ticket, WAIT_S).state == "done"
    assert cache.values == {"k": {"mse": 0.1}} and cache.puts == 1
    other = make_queue(workers=1, result_cache=cache)  # another server process, say
    never = FakeRun()
    status = other.status(other.submit("k", never, "b"))
    assert status.state == "done" and status.result == {"mse": 0.1} and never.calls == 0


def test_finished_results_are_kept_least_recently_used_first_out(make_queue):
    queue = make_queue(workers=1, keep_finished=1)
    for key in ("A", "B"):
        run = FakeRun(steps=1)
        ticket = queue.submit(key, run, "w")
        run.release()
        assert queue.wait(ticket, WAIT_S).state == "done"
    again = FakeRun(steps=1)
    assert queue.status(queue.submit("B", again, "w")).state == "done"  # kept
    ticket = queue.submit("A", again, "w")  # dropped by B: trained again
    again.release()
    assert queue.wait(ticket, WAIT_S).state == "done" and again.calls == 1


def test_bad_settings_are_refused_where_they_enter(make_queue):
    with pytest.raises(ValueError, match="workers must be an integer from 1 to 1024, got 0"):
        JobQueue(workers=0)
    with pytest.raises(ValueError, match="lease_s must be a positive number"):
        JobQueue(workers=1, lease_s=0)
    with pytest.raises(TypeError, match="result_cache must have get"):
        JobQueue(workers=1, result_cache={"get": None})
    with pytest.raises(TypeError):
        make_queue(workers=1).submit(["unhashable"], FakeRun(), "w")


def test_the_default_queue_is_one_per_process():
    assert default_queue() is default_queue()
    assert default_queue().workers >= 1
    assert isinstance(Ticket, type)


class DictRuns:
    """An in-memory `shared_runs`, shared by queues as a database would be between processes."""

    def __init__(self):
        self.lock, self.runs, self.claims = threading.Lock(), {}, 0

    def claim(self, key, owner):
        with self.lock:
            self.claims += 1
            holder = self.runs.setdefault(key, {"owner": owner, "snapshots": []})
            return holder["owner"] == owner

    def beat(self, key, owner, snapshots):
        with self.lock:
            if self.runs.get(key, {}).get("owner") == owner:
                self.runs[key]["snapshots"] = list(snapshots)

    def release(self, key, owner):
        with self.lock:
            if self.runs.get(key, {}).get("owner") == owner:
                del self.runs[key]

    def peek(self, key):
        with self.lock:
            run = self.runs.get(key)
            return None if run is None else list(run["snapshots"])


def test_a_run_in_progress_in_one_process_is_followed_not_trained_again_by_another(make_queue, monkeypatch):
    """Two queues (two server processes) with one result cache and one shared_runs: the second follows the
    first's run (its snapshots, then its result) and never calls its own fn."""
    monkeypatch.setattr("dashboard.state.jobs.FOLLOW_POLL_S", 0.01)
    cache, runs = DictCache(), DictRuns()
    first, second = (make_queue(workers=1, result_cache=cache) for _ in range(2))
    first.shared_runs = second.shared_runs = runs
    trained, never = FakeRun(steps=2, result={"mse": 0.2}), FakeRun()
    mine = first.submit("k", trained, "a")
    started(trained)
    theirs = second.submit("k", never, "b")
    trained.release()
    deadline = time.monotonic() + WAIT_S
    while second.status(theirs).progress != ({"step": 1},):
        assert time.monotonic() < deadline, second.status(theirs)
        time.sleep(0.01)
    assert second.status(theirs).state == "running"
    trained.release()
    assert first.wait(mine, WAIT_S).result == {"mse": 0.2}
    status = second.wait(theirs, WAIT_S)
    assert (status.state, status.result, status.progress) == ("done", {"mse": 0.2}, ({"step": 1}, {"step": 2}))
    assert trained.calls == 1 and never.calls == 0
    assert runs.runs["k"]["owner"] == first.owner  # a done run's row stays, for late followers


def test_a_run_whose_holder_ends_without_a_result_is_trained_by_its_follower(make_queue, monkeypatch):
    monkeypatch.setattr("dashboard.state.jobs.FOLLOW_POLL_S", 0.01)
    cache, runs = DictCache(), DictRuns()
    first, second = (make_queue(workers=1, result_cache=cache) for _ in range(2))
    first.shared_runs = second.shared_runs = runs
    stopped, takeover = FakeRun(steps=3), FakeRun(steps=1, result="mine")
    mine = first.submit("k", stopped, "a")
    started(stopped)
    theirs = second.submit("k", takeover, "b")
    first.leave(mine)          # the first process's only waiter leaves: its run stops, nothing is stored
    stopped.release()
    assert first.wait(mine, WAIT_S).state == "stopped"
    started(takeover)          # the follower finds no holder and no result: it trains the key itself
    takeover.release()
    assert second.wait(theirs, WAIT_S).result == "mine"
    assert stopped.calls == 1 and takeover.calls == 1 and cache.values == {"k": "mine"}


def test_a_failing_shared_runs_leaves_the_run_local(make_queue):
    class Broken:
        def __getattr__(self, name):
            def fail(*args):
                raise OSError("database down")
            return fail

    queue, run = make_queue(workers=1), FakeRun(steps=1, result="ok")
    queue.shared_runs = Broken()
    ticket = queue.submit("k", run, "a")
    run.release()
    assert queue.wait(ticket, WAIT_S).result == "ok" and run.calls == 1
