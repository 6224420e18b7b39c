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
VERSION = "code-v1"


def put(key, kind, payload, db) -> None:
    with store.transaction(db) as conn:
        store.put_result(conn, key, VERSION, kind, payload)


def get(key, db):
    return store.get_result(key, VERSION, db)


def test_schema_is_created_once_with_its_version(db_url):
    first, second = store.make_engine(db_url), store.make_engine(db_url)  # the second finds it all in place
    try:
        assert store.stored_schema_version(second) == store.SCHEMA_VERSION == 2
        with store.transaction(second, write=False) as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(store.schema_version)).scalar_one() == 1
        assert set(sa.inspect(second).get_table_names()) == {
            "schema_version", "class_sessions", "students", "questions", "answers", "results", "runs", "run_waiters"}
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
    assert get("missing", db) is None
    put("run/1", "keras", ALL_BYTES, db)
    stored = get("run/1", db)
    assert (stored.kind, stored.payload) == ("keras", ALL_BYTES)
    put("run/1", "keras", b"second", db)
    assert get("run/1", db).payload == b"second"
    with store.transaction(db, write=False) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.results)).scalar_one() == 1


@pytest.mark.parametrize("key, payload", [("", b"x"), (None, b"x"), ("k", "text"), ("k", None)])
def test_put_result_refuses_bad_input(db_url, key, payload):
    with pytest.raises(ValueError), store.transaction(store.engine(db_url)) as conn:
        store.put_result(conn, key, VERSION, "kind", payload)


def test_two_engines_see_each_others_writes(db_url):
    one, other = store.make_engine(db_url), store.make_engine(db_url)  # two server processes' worth
    try:
        put("a", "k", b"from one", one)
        put("b", "k", b"from other", other)
        assert get("a", other).payload == b"from one"
        assert get("b", one).payload == b"from other"
    finally:
        one.dispose()
        other.dispose()


def test_a_result_outlives_its_process_and_the_engine(db_url):
    """A child process writes and dies at once (os._exit: no clean-up); the result is there, also after the
    parent's engine is disposed and reopened: acknowledged means committed."""
    store.engine(db_url)  # the schema exists before the child starts
    child = ("import os, sys; sys.path.insert(0, sys.argv[1]); from dashboard.state import store\n"
             "with store.transaction(store.engine()) as conn: store.put_result(conn, 'from-child', 'code-v1', 'k', bytes(range(256)))\n"
             "print('ok', flush=True); os._exit(0)")
    done = subprocess.run([sys.executable, "-c", child, str(ROOT)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "RECURRENCE_LAB_DATABASE_URL": db_url})
    assert done.stdout == "ok\n", done.stderr
    store.dispose(db_url)
    assert get("from-child", store.engine(db_url)).payload == ALL_BYTES


def test_a_result_survives_a_postgresql_crash(crash_postgres):
    server, url = crash_postgres
    put("before-crash", "k", ALL_BYTES, store.engine(url))
    server.restart()  # immediate stop: no checkpoint, recovered from the WAL
    assert get("before-crash", store.engine(url)).payload == ALL_BYTES  # pre-ping reconnects


def test_concurrent_writers_all_land(db_url):
    db = store.engine(db_url)

    def write(worker: int) -> None:
        for i in range(5):
            put(f"w{worker}/{i}", "k", bytes([worker, i]), db)
            put("shared", "k", bytes([worker]), db)  # all eight on one row

    assert at_once(write, 8) == []
    for worker in range(8):
        assert [get(f"w{worker}/{i}", db).payload for i in range(5)] == [bytes([worker, i])
                                                                                     for i in range(5)]
    assert get("shared", db).payload in {bytes([worker]) for worker in range(8)}


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


def test_a_database_made_before_a_table_gets_it_on_first_use(db_url):
    db = store.make_engine(db_url)
    with store.transaction(db) as conn:
        store.run_waiters.drop(conn)
    db.dispose()
    again = store.make_engine(db_url)  # an older server's database, opened by this code
    try:
        assert "run_waiters" in sa.inspect(again).get_table_names()
        with store.transaction(again) as conn:
            conn.execute(store.run_waiters.insert().values(key="k", code_version="v", waiter="w", seen=0.0))
    finally:
        again.dispose()


def test_a_result_counts_only_for_the_code_version_that_made_it(db_url):
    db = store.engine(db_url)
    put("run", "k", b"old numbers", db)
    assert store.get_result("run", "code-v2", db) is None
    with store.transaction(db) as conn:
        store.put_result(conn, "run", "code-v2", "k", b"new numbers")
    assert get("run", db).payload == b"old numbers"  # a host of the old version, mid-upgrade, keeps its own
    assert store.get_result("run", "code-v2", db).payload == b"new numbers"


def test_prune_keeps_the_newest_results_and_drops_old_versions_and_ended_runs(db_url):
    db = store.engine(db_url)
    for i in range(5):
        put(f"run/{i}", "k", bytes([i]), db)
        time.sleep(0.01)  # distinct created_at on the database's clock
    with store.transaction(db) as conn:
        store.put_result(conn, "old", "code-v0", "k", b"x")
        t = store.now(conn)
        for key, state, ended in (("ended long ago", "done", t - 7200), ("just ended", "done", t), ("running", "running", None)):
            conn.execute(store.runs.insert().values(key=key, code_version=VERSION, token="t", kind="k", params={},
                                                    state=state, progress=[], created_at=t, heartbeat=t, ended_at=ended))
        conn.execute(store.run_waiters.insert().values(key="x", code_version=VERSION, waiter="gone", seen=t - 7200))
        conn.execute(store.run_waiters.insert().values(key="x", code_version=VERSION, waiter="here", seen=t))
    with store.transaction(db) as conn:
        store.prune(conn, VERSION, keep_results=3, keep_old_version_s=0, keep_ended_s=3600)
    with store.transaction(db, write=False) as conn:
        kept = {(r.key, r.code_version) for r in conn.execute(sa.select(store.results))}
        runs = {r.key for r in conn.execute(sa.select(store.runs))}
        waiters = {r.waiter for r in conn.execute(sa.select(store.run_waiters))}
    assert kept == {(f"run/{i}", VERSION) for i in (2, 3, 4)}
    assert runs == {"just ended", "running"} and waiters == {"here"}


def test_the_database_clock_is_unix_seconds(db_url):
    with store.transaction(store.engine(db_url), write=False) as conn:
        assert abs(store.now(conn) - time.time()) < 5  # this host's clock and the server's agree here


def test_version_1_is_migrated_its_run_tables_made_anew(db_url):
    db = store.make_engine(db_url)
    with store.transaction(db) as conn:  # the version 1 schema of results and runs
        for name in ("run_waiters", "runs", "results"):
            conn.execute(sa.text(f"DROP TABLE {name}"))
        conn.execute(sa.text("CREATE TABLE results (key TEXT PRIMARY KEY, kind VARCHAR(64) NOT NULL, "
                             "payload BYTEA NOT NULL, created_at FLOAT NOT NULL)".replace(
                                 "BYTEA", "BYTEA" if db.dialect.name == "postgresql" else "BLOB")))
        conn.execute(sa.text("INSERT INTO results VALUES ('old', 'keras_lab.train', :p, 0)"), {"p": b"x"})
        conn.execute(sa.text("CREATE TABLE runs (key TEXT PRIMARY KEY, owner VARCHAR(64) NOT NULL, "
                             "heartbeat FLOAT NOT NULL, progress TEXT NOT NULL)"))
        conn.execute(store.schema_version.update().values(version=1))
    db.dispose()
    db = store.make_engine(db_url)
    try:
        assert store.stored_schema_version(db) == 2
        columns = {c["name"] for c in sa.inspect(db).get_columns("results")}
        assert "code_version" in columns and "token" in {c["name"] for c in sa.inspect(db).get_columns("runs")}
        with store.transaction(db, write=False) as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(store.results)).scalar_one() == 0
    finally:
        db.dispose()


def test_concurrent_identical_submits_queue_one_run_on_either_backend(db_url, monkeypatch):
    """Eight processes' worth of web sessions press Train with the same settings at once: one row, one
    task enqueued, eight waiters (the row is claimed by INSERT ... ON CONFLICT, then joined under a row lock)."""
    from dashboard.state import jobs, work

    monkeypatch.setenv("RECURRENCE_LAB_DATABASE_URL", db_url)
    monkeypatch.setitem(work.KINDS, "test.none", work.Work(None, bytes, bytes, dict, dict, 1.0))
    enqueued = []
    queue = jobs.JobQueue(jobs.Queue(None, lambda *args: enqueued.append(args)))
    assert at_once(lambda i: queue.submit("test.none", ("same",), {}, f"student-{i}"), 8) == []
    with store.transaction(store.engine(db_url), write=False) as conn:
        rows = conn.execute(sa.select(store.runs)).all()
        waiters = conn.execute(sa.select(sa.func.count()).select_from(store.run_waiters)).scalar_one()
    assert len(enqueued) == 1 and len(rows) == 1 and rows[0].state == "queued" and waiters == 8
    assert enqueued[0][2] == rows[0].token
