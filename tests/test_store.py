"""dashboard.state.store on SQLite and on a real PostgreSQL server (tests/postgres.py): the schema and its version,
the shared results table across engines, processes and restarts, concurrent writers, the URL from the
environment."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.at_once import at_once
from tests.postgres import crash_postgres, db_url, postgres_server  # noqa: F401  (fixtures)

from dashboard.state import store
ROOT = Path(__file__).resolve().parents[1]
ALL_BYTES = bytes(range(256))


def test_schema_is_created_once_with_its_version(db_url):
    first, second = store.make_engine(db_url), store.make_engine(db_url)  # the second finds it all in place
    try:
        assert store.stored_schema_version(second) == store.SCHEMA_VERSION == 1
        with store.transaction(second, write=False) as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(store.schema_version)).scalar_one() == 1
        assert set(sa.inspect(second).get_table_names()) == {
            "schema_version", "class_sessions", "students", "questions", "answers", "results", "runs"}
    finally:
        first.dispose()
        second.dispose()


def test_a_newer_schema_is_refused(db_url):
    with store.transaction(store.engine(db_url)) as conn:
        conn.execute(store.schema_version.update().values(version=store.SCHEMA_VERSION + 1))
    with pytest.raises(RuntimeError, match="newer than this code"):
        store.make_engine(db_url)


def test_results_round_trip_and_replace(db_url):
    db = store.engine(db_url)
    assert store.get_result("missing", db) is None
    store.put_result("run/1", "keras", ALL_BYTES, db)
    stored = store.get_result("run/1", db)
    assert (stored.kind, stored.payload) == ("keras", ALL_BYTES)
    store.put_result("run/1", "keras", b"second", db)
    assert store.get_result("run/1", db).payload == b"second"
    with store.transaction(db, write=False) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.results)).scalar_one() == 1


@pytest.mark.parametrize("key, payload", [("", b"x"), (None, b"x"), ("k", "text"), ("k", None)])
def test_put_result_refuses_bad_input(db_url, key, payload):
    with pytest.raises(ValueError):
        store.put_result(key, "kind", payload, store.engine(db_url))


def test_two_engines_see_each_others_writes(db_url):
    one, other = store.make_engine(db_url), store.make_engine(db_url)  # two server processes' worth
    try:
        store.put_result("a", "k", b"from one", one)
        store.put_result("b", "k", b"from other", other)
        assert store.get_result("a", other).payload == b"from one"
        assert store.get_result("b", one).payload == b"from other"
    finally:
        one.dispose()
        other.dispose()


def test_a_result_outlives_its_process_and_the_engine(db_url):
    """A child process writes and dies at once (os._exit: no clean-up); the result is there, also after the
    parent's engine is disposed and reopened: acknowledged means committed."""
    store.engine(db_url)  # the schema exists before the child starts
    child = ("import os, sys; sys.path.insert(0, sys.argv[1]); from dashboard.state import store;"
             "store.put_result('from-child', 'k', bytes(range(256))); print('ok', flush=True); os._exit(0)")
    done = subprocess.run([sys.executable, "-c", child, str(ROOT)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "RECURRENCE_LAB_DATABASE_URL": db_url})
    assert done.stdout == "ok\n", done.stderr
    store.dispose(db_url)
    assert store.get_result("from-child", store.engine(db_url)).payload == ALL_BYTES


def test_a_result_survives_a_postgresql_crash(crash_postgres):
    server, url = crash_postgres
    store.put_result("before-crash", "k", ALL_BYTES, store.engine(url))
    server.restart()  # immediate stop: no checkpoint, recovered from the WAL
    assert store.get_result("before-crash", store.engine(url)).payload == ALL_BYTES  # pre-ping reconnects


def test_concurrent_writers_all_land(db_url):
    db = store.engine(db_url)

    def write(worker: int) -> None:
        for i in range(5):
            store.put_result(f"w{worker}/{i}", "k", bytes([worker, i]), db)
            store.put_result("shared", "k", bytes([worker]), db)  # all eight on one row

    assert at_once(write, 8) == []
    for worker in range(8):
        assert [store.get_result(f"w{worker}/{i}", db).payload for i in range(5)] == [bytes([worker, i])
                                                                                     for i in range(5)]
    assert store.get_result("shared", db).payload in {bytes([worker]) for worker in range(8)}


def test_one_engine_per_url_even_when_threads_race(tmp_path):
    url = f"sqlite:///{tmp_path / 'cached.sqlite3'}"
    start, engines = threading.Barrier(8), []

    def get() -> None:
        start.wait()
        engines.append(store.engine(url))

    threads = [threading.Thread(target=get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(engines) == 8 and len({id(db) for db in engines}) == 1
        store.dispose(url)
        assert store.engine(url) is not engines[0]
    finally:
        store.dispose(url)


def test_sqlite_is_in_wal_mode_durable_and_patient(tmp_path):
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'lab.sqlite3'}"  # the folders are created on first use
    try:
        with store.engine(url).connect() as conn:
            pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                       for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
        assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                           "busy_timeout": store.SQLITE_BUSY_TIMEOUT_S * 1000}  # synchronous 2: FULL
        assert (tmp_path / "deep" / "er" / "lab.sqlite3").is_file()
    finally:
        store.dispose(url)


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("RECURRENCE_LAB_DATABASE_URL", raising=False)
    monkeypatch.delenv("RECURRENCE_LAB_DB_PATH", raising=False)
    assert store.database_url() == f"sqlite:///{Path.home() / '.recurrence_lab' / 'lab.sqlite3'}"
    monkeypatch.setenv("RECURRENCE_LAB_DB_PATH", str(tmp_path / "class.db"))
    assert store.database_url() == f"sqlite:///{tmp_path / 'class.db'}"
    for given in ("postgres://u:p@db/lab", "postgresql://u:p@db/lab", "postgresql+psycopg://u:p@db/lab"):
        monkeypatch.setenv("RECURRENCE_LAB_DATABASE_URL", given)
        assert store.database_url() == "postgresql+psycopg://u:p@db/lab"  # wins over the path


@pytest.mark.parametrize("ci, outcome", [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_without_postgresql_its_tests_fail_on_ci_and_skip_elsewhere(monkeypatch, ci, outcome):
    from tests import postgres

    monkeypatch.setattr(postgres, "_bin_dir", lambda: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="install-postgresql"):
        postgres._start(durable=False)


def test_a_run_in_progress_is_claimed_once_followed_and_released(db_url):
    db = store.engine(db_url)
    assert store.peek_run("k", db) is None
    assert store.claim_run("k", "a", stale_s=60, db=db)
    assert not store.claim_run("k", "b", stale_s=60, db=db)   # held by a, alive
    assert store.claim_run("k", "a", stale_s=60, db=db)       # its holder may claim again
    store.beat_run("k", "b", [{"x": 1}], db)                  # not b's: nothing changes
    store.beat_run("k", "a", [{"epoch": 1, "loss": 0.5}], db)
    run = store.peek_run("k", db)
    assert run.owner == "a" and run.progress == [{"epoch": 1, "loss": 0.5}] and run.heartbeat <= time.time()
    store.release_run("k", "b", db)                           # not b's to release
    assert store.peek_run("k", db) is not None
    store.release_run("k", "a", db)
    assert store.peek_run("k", db) is None and store.claim_run("k", "b", stale_s=60, db=db)


def test_a_silent_holder_is_replaced_and_its_progress_dropped(db_url):
    db = store.engine(db_url)
    assert store.claim_run("k", "a", stale_s=60, db=db)
    store.beat_run("k", "a", [{"epoch": 1}], db)
    assert not store.claim_run("k", "b", stale_s=60, db=db)
    assert store.claim_run("k", "b", stale_s=0, db=db)         # a showed no sign of life for 0 s: b takes over
    run = store.peek_run("k", db)
    assert run.owner == "b" and run.progress == []


def test_concurrent_claims_of_one_run_give_it_to_exactly_one_process(db_url):
    db = store.engine(db_url)
    winners = []

    def claim(index):
        if store.claim_run("shared", f"process-{index}", stale_s=60, db=db):
            winners.append(index)

    assert at_once(claim, 8) == []
    assert len(winners) == 1 and store.peek_run("shared", db).owner == f"process-{winners[0]}"


def test_a_database_made_before_the_runs_table_gets_it_on_first_use(db_url):
    db = store.make_engine(db_url)
    with store.transaction(db) as conn:
        store.runs.drop(conn)
    db.dispose()
    again = store.make_engine(db_url)  # an older server's database, opened by this code
    try:
        assert "runs" in sa.inspect(again).get_table_names()
        assert store.claim_run("k", "a", stale_s=60, db=again)
    finally:
        again.dispose()
