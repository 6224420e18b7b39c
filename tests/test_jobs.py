"""dashboard.state.jobs with fake runs (no TensorFlow) and thread workers (tests/jobs_fixtures.py): each run
takes one step per release by the test, so every test sequences its steps with the runs' gates and the
queue's own `wait`, and asserts no timing. Worker processes, kill -9 and Redis: tests/test_workers.py."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from tests.jobs_fixtures import WAIT_S, Gated, lab, started  # noqa: F401  (lab: a fixture)

from dashboard.state import jobs, store

KIND = "test.gated"


def submit(queue, name: str, run: Gated, waiter: str, **params) -> jobs.Ticket:
    Gated.runs[name] = run
    return queue.submit(KIND, ("gated", name), {"name": name, **params}, waiter)


def runs_table() -> list:
    with store.transaction(store.engine(), write=False) as conn:
        return conn.execute(sa.select(store.runs)).all()


def test_identical_concurrent_requests_run_once_and_share_progress_and_result(lab):
    make, _ = lab
    queue, run = make(workers=2), Gated(steps=2, result="the result")
    students = 8
    barrier, tickets = threading.Barrier(students), [None] * students

    def student(i: int) -> None:
        barrier.wait()  # every student presses Train at the same moment
        tickets[i] = submit(queue, "k", run, f"student-{i}")

    threads = [threading.Thread(target=student, args=(i,)) for i in range(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    started(run)
    run.release()
    first = queue.wait(tickets[0], WAIT_S, progress_seen=0)
    assert first.progress == ({"step": 1},) and first.waiters == students and first.state == "running"
    assert all(queue.status(t).progress == first.progress for t in tickets)  # the same live curve
    run.release()
    finals = [queue.wait(t, WAIT_S) for t in tickets]
    assert run.calls == 1 and len(runs_table()) == 1
    assert {s.state for s in finals} == {"done"} and {s.result for s in finals} == {"'the result'"}
    assert all(s.progress == ({"step": 1}, {"step": 2}) for s in finals)
    late = submit(queue, "k", Gated(), "late")  # finished: read from the results table, not run again
    assert queue.status(late).state == "done" and queue.status(late).result == "'the result'"


def test_same_waiter_submitting_twice_changes_nothing(lab):
    make, _ = lab
    queue, run = make(workers=1), Gated(steps=1)
    first, again = submit(queue, "k", run, "w"), submit(queue, "k", run, "w")
    assert first == again and queue.status(first).waiters == 1
    run.release()
    assert queue.wait(first, WAIT_S).state == "done" and run.calls == 1


def test_different_keys_wait_in_order_with_their_place_and_an_estimate(lab):
    make, _ = lab
    queue = make(workers=1)
    runs = {key: Gated(steps=1, result=key) for key in "ABCD"}
    tickets = {key: submit(queue, key, run, f"w{key}") for key, run in runs.items()}
    started(runs["A"])
    status = {key: queue.status(t) for key, t in tickets.items()}
    assert status["A"].state == "running" and status["A"].place is None
    assert [status[key].place for key in "BCD"] == [1, 2, 3]
    assert {status[key].state for key in "BCD"} == {"queued"}
    # No run of the kind has finished: each takes the kind's default, one at a time; A has just started.
    default = jobs.work.work(KIND).default_estimate_s
    assert status["A"].estimate_s == pytest.approx(default, abs=2)
    assert [status[key].estimate_s for key in "BCD"] == pytest.approx([2 * default, 3 * default, 4 * default], abs=2)
    runs["A"].release()
    assert queue.wait(tickets["A"], WAIT_S).state == "done"
    started(runs["B"])
    assert [queue.status(tickets[key]).place for key in "CD"] == [1, 2]
    for key in "BCD":
        runs[key].release()
        assert queue.wait(tickets[key], WAIT_S).result == repr(key)
    assert [run.calls for run in runs.values()] == [1, 1, 1, 1]


def test_a_waiter_who_leaves_keeps_the_others_run_going(lab):
    make, _ = lab
    queue, run = make(workers=1), Gated(steps=2)
    stays, leaves = submit(queue, "k", run, "stays"), submit(queue, "k", run, "leaves")
    started(run)
    queue.leave(leaves)  # this student pressed Stop
    assert queue.status(stays).waiters == 1
    run.release(2)
    final = queue.wait(stays, WAIT_S)
    assert final.state == "done" and final.result == "'trained'" and not run.stop_seen


def test_a_run_stops_when_its_last_waiter_leaves_and_is_not_kept(lab):
    make, _ = lab
    queue, run = make(workers=1), Gated(steps=3)
    first, second = submit(queue, "k", run, "a", watch_stop=True), submit(queue, "k", run, "b", watch_stop=True)
    started(run)
    queue.leave(first)
    queue.leave(second)
    run.release()
    deadline = time.monotonic() + WAIT_S
    while runs_table()[0].state != "stopped":
        assert time.monotonic() < deadline, runs_table()
        time.sleep(0.05)
    assert run.stop_seen and queue.status(first).state == "stopped"
    rerun = Gated(steps=1)
    ticket = submit(queue, "k", rerun, "c")  # a stopped run is no result: the next request trains again
    rerun.release()
    assert queue.wait(ticket, WAIT_S).state == "done" and rerun.calls == 1


def test_with_a_lease_a_waiter_who_stops_asking_has_left(lab, monkeypatch):
    """A closed browser tab calls no `leave`: it just stops asking for the status."""
    make, _ = lab
    monkeypatch.setattr(jobs, "LEASE_S", 1.5)
    monkeypatch.setattr(jobs, "TOUCH_S", 0.0)
    queue, run = make(workers=1), Gated(steps=2)
    ticket = submit(queue, "k", run, "gone", watch_stop=True)
    started(run)
    time.sleep(jobs.LEASE_S + 0.5)  # nobody asks meanwhile
    run.release()
    deadline = time.monotonic() + WAIT_S
    while runs_table()[0].state != "stopped":
        assert time.monotonic() < deadline, runs_table()
        time.sleep(0.05)
    assert run.stop_seen and queue.status(ticket).state == "stopped"


def test_a_queued_job_whose_waiters_all_left_is_dropped(lab):
    make, _ = lab
    queue = make(workers=1)
    running, dropped, after = Gated(steps=1), Gated(steps=1), Gated(steps=1)
    first = submit(queue, "A", running, "a")
    started(running)
    gone, next_one = submit(queue, "B", dropped, "b"), submit(queue, "C", after, "c")
    assert queue.status(next_one).place == 2
    queue.leave(gone)
    assert queue.status(gone).state == "stopped"
    assert queue.status(next_one).place == 1
    running.release()
    after.release()
    assert queue.wait(next_one, WAIT_S).state == "done"
    assert queue.wait(first, WAIT_S).state == "done" and dropped.calls == 0


def test_a_full_queue_says_how_many_wait_and_identical_requests_still_join(lab):
    make, _ = lab
    queue = make(workers=1, max_waiting=2)
    runs = [Gated(steps=1) for _ in range(3)]
    tickets = [submit(queue, "0", runs[0], "w0")]
    started(runs[0])
    tickets += [submit(queue, str(i), run, f"w{i}") for i, run in enumerate(runs[1:], 1)]
    with pytest.raises(jobs.QueueFull, match="2 runs are already waiting"):
        submit(queue, "another", Gated(), "w9")
    joined = submit(queue, "2", runs[2], "w9")  # the same settings as a queued run: no new job
    assert queue.status(joined).place == 2 and queue.status(joined).waiters == 2
    assert "another" not in {row.key for row in runs_table()}
    for run, ticket in zip(runs, tickets):
        run.release()
        assert queue.wait(ticket, WAIT_S).state == "done"


def test_a_failing_run_is_failed_with_its_message_and_the_worker_goes_on(lab):
    make, _ = lab
    queue = make(workers=1)
    broken = submit(queue, "bad", Gated(error=ValueError("units out of range")), "a")
    good_run = Gated(steps=1)
    good = submit(queue, "good", good_run, "b")
    status = queue.wait(broken, WAIT_S)
    assert status.state == "failed" and status.error == "ValueError: units out of range"
    good_run.release()
    assert queue.wait(good, WAIT_S).state == "done"
    retry = Gated(steps=1)
    again = submit(queue, "bad", retry, "c")  # a failure is not kept
    retry.release()
    assert queue.wait(again, WAIT_S).state == "done" and retry.calls == 1


def test_a_database_error_in_a_heartbeat_neither_ends_the_worker_nor_the_run(lab, monkeypatch):
    make, _ = lab
    real, failures = jobs._Beat.beat, []

    def flaky(self):
        if len(failures) < 3:
            failures.append(1)
            raise sa.exc.OperationalError("UPDATE runs", {}, OSError("database is locked"))
        real(self)

    monkeypatch.setattr(jobs._Beat, "beat", flaky)
    queue, run = make(workers=1), Gated(steps=2)
    ticket = submit(queue, "k", run, "a")
    started(run)
    run.release()
    deadline = time.monotonic() + WAIT_S
    while len(failures) < 3:  # three beats in a row fail
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert queue.wait(ticket, WAIT_S, progress_seen=0).progress == ({"step": 1},)  # the next beat wrote it
    run.release()
    assert queue.wait(ticket, WAIT_S).state == "done"


def test_a_database_error_at_the_end_leaves_no_run_running_and_the_worker_goes_on(lab, monkeypatch):
    """The worker cannot write the end of its run: its beats stop, so its waiters see it lost (never
    "running" for ever), the next Train queues it again, and the worker trains the next task."""
    make, _ = lab
    monkeypatch.setattr(jobs, "STALE_S", 1.0)
    real, failures = jobs._end, []

    def down_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise sa.exc.OperationalError("UPDATE runs", {}, OSError("server closed the connection"))
        real(*args, **kwargs)

    monkeypatch.setattr(jobs, "_end", down_once)
    queue, run = make(workers=1), Gated(steps=1)
    ticket = submit(queue, "k", run, "a")
    run.release()
    status = queue.wait(ticket, WAIT_S)
    assert (status.state, status.error) == ("failed", jobs.LOST_MESSAGE) and failures
    assert runs_table()[0].state == "lost"
    retry = Gated(steps=1)
    again = submit(queue, "k", retry, "a")
    retry.release()
    assert queue.wait(again, WAIT_S).state == "done" and retry.calls == 1


def test_a_replaced_attempts_late_writes_do_not_touch_its_replacement(lab):
    """The token is per attempt: the stopped attempt's end (and beats) name its own token, so they leave the
    row of the attempt that replaced it alone."""
    make, _ = lab
    queue = make(workers=1)
    blocker = Gated(steps=1)
    submit(queue, "blocker", blocker, "x")  # the one worker is busy: the next runs stay queued
    started(blocker)
    first = submit(queue, "k", Gated(steps=1), "a")
    old_token = runs_table()[-1].token
    queue.leave(first)                       # queued, nobody waits: stopped
    second = submit(queue, "k", Gated(steps=1), "b")
    row = [r for r in runs_table() if r.key == first.text][0]
    assert row.state == "queued" and row.token != old_token
    jobs._end(first.text, jobs.code_version(), old_token, "stopped")  # the old attempt's late release
    beat = jobs._Beat(first.text, jobs.code_version(), old_token)
    beat.beat()
    assert beat.stop_told                     # an attempt that was replaced is told to stop
    after = [r for r in runs_table() if r.key == first.text][0]
    assert (after.state, after.token) == ("queued", row.token)
    blocker.release()
    Gated.runs["k"].release()
    assert queue.wait(second, WAIT_S).state == "done"


def test_a_stale_run_is_judged_by_the_databases_clock_not_the_hosts(lab, monkeypatch):
    make, _ = lab
    queue, run = make(workers=1), Gated(steps=1)
    ticket = submit(queue, "k", run, "a")
    started(run)
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + 3600)  # this host's clock is an hour fast
    assert queue.status(ticket).state == "running"
    run.release()
    assert queue.wait(ticket, WAIT_S).state == "done"


def test_results_of_another_code_version_are_not_served(lab, monkeypatch):
    make, _ = lab
    queue, run = make(workers=1), Gated(steps=1, result="old numbers")
    ticket = submit(queue, "k", run, "a")
    run.release()
    assert queue.wait(ticket, WAIT_S).result == "'old numbers'"
    monkeypatch.setattr(jobs, "_version", "an-upgrade")  # code_version() is now the new code's digest
    fresh = jobs.JobQueue(queue.queue)                    # a process of the new version: nothing decoded yet
    assert fresh.stored(KIND, ("gated", "k")) is None
    new_run = Gated(steps=1, result="new numbers")
    again = submit(fresh, "k", new_run, "b")
    new_run.release()
    assert fresh.wait(again, WAIT_S).result == "'new numbers'" and new_run.calls == 1
    with store.transaction(store.engine(), write=False) as conn:
        versions = {row.code_version for row in conn.execute(sa.select(store.results))}
    assert len(versions) == 2


def test_a_stored_result_is_read_and_decoded_once_per_process(lab, monkeypatch):
    make, _ = lab
    queue, run = make(workers=1), Gated(steps=1)
    ticket = submit(queue, "k", run, "a")
    run.release()
    assert queue.wait(ticket, WAIT_S).state == "done"
    reads, real = [], store.get_result
    monkeypatch.setattr(store, "get_result", lambda *args, **kwargs: reads.append(1) or real(*args, **kwargs))
    fresh = jobs.JobQueue(queue.queue)
    assert [fresh.stored(KIND, ("gated", "k")) for _ in range(20)] == ["'trained'"] * 20
    assert len(reads) == 1


def test_an_unknown_kind_is_refused_where_it_enters(lab):
    make, _ = lab
    with pytest.raises(ValueError, match="no work of kind 'nope'"):
        make(workers=1).submit("nope", ("k",), {}, "w")


@pytest.mark.parametrize("value, expected", [("", None), ("3", 3), ("0", 0)])
def test_the_worker_count_comes_from_the_environment(monkeypatch, value, expected):
    import os

    monkeypatch.setenv(jobs.WORKERS_ENV, value)
    assert jobs.worker_count() == (expected if expected is not None else max((os.cpu_count() or 1) - 1, 1))


@pytest.mark.parametrize("value", ["two", "-1", "65"])
def test_a_bad_worker_count_is_refused_naming_the_value(monkeypatch, value):
    monkeypatch.setenv(jobs.WORKERS_ENV, value)
    with pytest.raises(ValueError, match=f"RECURRENCE_LAB_JOB_WORKERS must be a whole number from 0 to 64, got '{value}'"):
        jobs.worker_count()


def test_the_code_version_is_one_digest_per_process():
    assert jobs.code_version() == jobs.code_version() and len(jobs.code_version()) == 32


def test_a_queue_that_cannot_be_reached_fails_the_run_with_a_message(tmp_path, monkeypatch):
    from tests.jobs_fixtures import GATED

    monkeypatch.setenv("RECURRENCE_LAB_DB_PATH", str(tmp_path / "lab.sqlite3"))
    monkeypatch.setitem(jobs.work.KINDS, KIND, GATED)

    def down(*args):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    queue = jobs.JobQueue(jobs.Queue(None, down))
    status = queue.status(queue.submit(KIND, ("gated", "k"), {"name": "k"}, "w"))
    assert status.state == "failed" and status.error.startswith("The job queue could not be reached: Error 111")
    assert runs_table()[0].state == "failed"  # not left queued
    store.dispose()
