"""The lab's database: class sessions, their questions and answers, and finished runs shared between processes.

SQLAlchemy Core over one of two databases, chosen by environment variables:

    RECURRENCE_LAB_DATABASE_URL   a PostgreSQL URL (postgresql+psycopg://user:pw@host/db; postgres:// and
                                  postgresql:// are read as psycopg 3) or any sqlite:/// URL. Wins when set.
    RECURRENCE_LAB_DB_PATH        the SQLite file otherwise; default ~/.recurrence_lab/lab.sqlite3, outside
                                  the checkout so every server process of a user (and a fresh clone) shares it.

The file, its folder and the schema are created on first use. SQLite runs in WAL mode (readers never wait for a
writer) with a 30 s busy timeout and `synchronous=FULL`, so a commit is on disk before it returns; several
threads and processes write safely because every write transaction starts with BEGIN IMMEDIATE (one writer at a
time, waiting its turn, instead of failing when a read lock cannot be upgraded). PostgreSQL commits durably by
default; the rules in classroom.py take row locks (FOR SHARE / FOR UPDATE) where a read decides a write, and
an advisory lock (`advisory_lock`) where a count of rows decides an insert.

Every write runs inside `transaction(db)`, which commits before it returns: an acknowledged write is durable.
One engine per process per URL (`engine()`), created under a lock.
"""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SCHEMA_VERSION = 2
DEFAULT_DB_PATH = Path("~/.recurrence_lab/lab.sqlite3")
SQLITE_BUSY_TIMEOUT_S = 30  # a writer waits this long for the others: far past a class's queued commits
SCHEMA_LOCK_ID = 0x524C4142  # PostgreSQL advisory lock held while two processes might create the schema
SESSIONS_LOCK_ID = 0x524C4143  # ... and while a class session starts (the cap on live sessions counts them)


class JSONText(sa.TypeDecorator):
    """JSON kept as text on both backends. SQLAlchemy's JSON column has NUMERIC affinity in SQLite, which turns a
    stored '1000.0' into the integer 1000; text comes back exactly as written."""
    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return json.dumps(value, allow_nan=False)  # None is stored as JSON null, not SQL NULL

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False))

class_sessions = sa.Table(
    "class_sessions", metadata,
    sa.Column("code", sa.String(16), primary_key=True),            # the join code students type
    sa.Column("secret_hash", sa.String(64), nullable=False),       # sha256 hex of the instructor secret
    sa.Column("created_at", sa.Double, nullable=False),            # unix seconds, as every time here
    sa.Column("expires_at", sa.Double, nullable=False, index=True),
    sa.Column("ended_at", sa.Double),                              # NULL while the session runs
    sa.Column("question_count", sa.Integer, nullable=False),       # the current question's number; 0: none yet
    sa.Column("follow", JSONText))                                 # where the instructor sent the class (v2)

students = sa.Table(
    "students", metadata,
    sa.Column("session_code", sa.ForeignKey("class_sessions.code", ondelete="CASCADE"), primary_key=True),
    sa.Column("student_id", sa.String(32), primary_key=True),
    sa.Column("joined_at", sa.Double, nullable=False),
    sa.Column("window_start", sa.Double, nullable=False),          # rate limit: the current window's start
    sa.Column("window_answers", sa.Integer, nullable=False))       # and the answers taken in it

questions = sa.Table(
    "questions", metadata,
    sa.Column("session_code", sa.ForeignKey("class_sessions.code", ondelete="CASCADE"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),             # 1, 2, ... within the session
    sa.Column("question_id", sa.String(100), nullable=False),
    sa.Column("settings", JSONText, nullable=False),
    sa.Column("choices", JSONText, nullable=False),                # a list of strings, or null: a number is asked
    sa.Column("truth", JSONText, nullable=False),
    sa.Column("state", sa.String(8), nullable=False),              # "open" or "revealed"
    sa.Column("asked_at", sa.Double, nullable=False),
    sa.Column("tolerance", sa.Double, nullable=False, server_default="0"))  # number questions: relative (v2)

answers = sa.Table(
    "answers", metadata,
    sa.Column("session_code", sa.String(16), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("student_id", sa.String(32), primary_key=True),      # one answer per student per question
    sa.Column("nickname", sa.String(40)),                          # NULL unless the student chose one
    sa.Column("value", JSONText, nullable=False),                  # a float or one of the question's choices
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.ForeignKeyConstraint(["session_code", "number"], ["questions.session_code", "questions.number"],
                            ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["session_code", "student_id"], ["students.session_code", "students.student_id"],
                            ondelete="CASCADE"))

results = sa.Table(  # finished runs, shared by every process; a result counts only for the code that made it
    "results", metadata,
    sa.Column("key", sa.Text, primary_key=True),                   # e.g. a training run's settings as JSON
    sa.Column("code_version", sa.String(32), primary_key=True),    # of the code that computed it (jobs.code_version)
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False, index=True))  # the database's clock, as in runs

runs = sa.Table(  # one row per run asked for, so that every process joins it instead of training it again
    "runs", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("code_version", sa.String(32), primary_key=True),
    sa.Column("token", sa.String(32), nullable=False),             # this attempt's name; every worker write checks it
    sa.Column("kind", sa.String(64), nullable=False),              # which work (dashboard.state.work.KINDS)
    sa.Column("params", JSONText, nullable=False),                 # that work's arguments
    sa.Column("state", sa.String(8), nullable=False, index=True),  # queued, running, done, failed, stopped, lost
    sa.Column("progress", JSONText, nullable=False),               # its snapshots so far, encoded by the work
    sa.Column("error", sa.Text),                                   # failed or lost: why
    sa.Column("created_at", sa.Double, nullable=False),            # times: unix seconds on the database's clock
    sa.Column("started_at", sa.Double),
    sa.Column("heartbeat", sa.Double, nullable=False),             # the worker's last sign of life
    sa.Column("ended_at", sa.Double))

run_waiters = sa.Table(  # who waits for which run: a run nobody waits for is dropped or told to stop
    "run_waiters", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("code_version", sa.String(32), primary_key=True),
    sa.Column("waiter", sa.String(64), primary_key=True),
    sa.Column("seen", sa.Double, nullable=False, index=True))      # when it last asked (the database's clock)


def _rebuild_run_tables(conn: Connection) -> None:
    """Version 2: results carry the code version, runs are attempts with a token. Both tables only hold what
    can be trained again, so they are made anew rather than converted."""
    for name in ("run_waiters", "runs", "results"):
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    metadata.create_all(conn, tables=[results, runs, run_waiters])


def _v1_to_v2(conn: Connection) -> None:
    """Class sessions learn where the instructor sent the class, questions their tolerance; the run tables
    are rebuilt (`_rebuild_run_tables`)."""
    _add_column(conn, "class_sessions", "follow", "TEXT")
    _add_column(conn, "questions", "tolerance", "DOUBLE PRECISION NOT NULL DEFAULT 0")
    _rebuild_run_tables(conn)


def _add_column(conn: Connection, table: str, column: str, declaration: str) -> None:
    """ALTER TABLE ... ADD COLUMN, unless the table has it already (a schema that a later version made)."""
    if column not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


# Migrations from version n to n + 1, run in order inside the schema transaction. (A table added later is
# made by create_all on first use; a column added to a table needs a migration.)
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2}


def database_url() -> str:
    """The URL the environment names: RECURRENCE_LAB_DATABASE_URL, else the SQLite file (folder created)."""
    url = os.environ.get("RECURRENCE_LAB_DATABASE_URL", "").strip()
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
    path = Path(os.environ.get("RECURRENCE_LAB_DB_PATH", "").strip() or DEFAULT_DB_PATH).expanduser()
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    """A new engine on `url` with the schema created or migrated. Most callers want the shared `engine()`."""
    url_object = sa.make_url(url)
    if url_object.get_backend_name() == "sqlite":
        if url_object.database and url_object.database != ":memory:":
            Path(url_object.database).parent.mkdir(parents=True, exist_ok=True)
        db = sa.create_engine(url_object, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        sa.event.listen(db, "connect", _sqlite_connect)
        sa.event.listen(db, "begin", _sqlite_begin)
    else:
        db = sa.create_engine(url_object, pool_pre_ping=True)  # survives a PostgreSQL restart
    _create_or_migrate(db)
    return db


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own would defer it to the first write).
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   f"busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


@contextmanager
def transaction(db: Engine, write: bool = True) -> Iterator[Connection]:
    """A connection inside one transaction, committed when the block ends (rolled back if it raises)."""
    with db.connect() as conn:
        conn.execution_options(write=write)
        with conn.begin():
            yield conn


def advisory_lock(conn: Connection, lock_id: int) -> None:
    """Hold `lock_id` until this transaction ends, so that a count and the insert it allows are one step.
    PostgreSQL: an advisory lock (rows not yet inserted cannot be locked). SQLite: nothing to do, a write
    transaction (BEGIN IMMEDIATE) already excludes every other writer."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def _create_or_migrate(db: Engine) -> None:
    with transaction(db) as conn:
        advisory_lock(conn, SCHEMA_LOCK_ID)
        metadata.create_all(conn)  # checks first: creates only the tables that are missing
        stored = conn.execute(sa.select(schema_version.c.version)).scalar()
        if stored is None:
            conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            return
        if stored > SCHEMA_VERSION:
            raise RuntimeError(f"the database's schema is version {stored}, newer than this code's "
                               f"{SCHEMA_VERSION}: upgrade Recurrence Lab")
        for version in range(stored, SCHEMA_VERSION):
            MIGRATIONS[version](conn)
        conn.execute(schema_version.update().values(version=SCHEMA_VERSION))


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine(url: str | None = None) -> Engine:
    """This process's engine for `url` (default: `database_url()`), made once."""
    url = url or database_url()
    with _engines_lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose(url: str | None = None) -> None:
    """Close this process's connections to `url` and forget its engine (the next `engine()` reopens)."""
    with _engines_lock:
        db = _engines.pop(url or database_url(), None)
    if db is not None:
        db.dispose()


def stored_schema_version(db: Engine) -> int:
    with transaction(db, write=False) as conn:
        return conn.execute(sa.select(schema_version.c.version)).scalar_one()


def _insert(conn: Connection, table: sa.Table):
    """The backend's INSERT, which has ON CONFLICT (PostgreSQL's and SQLite's spell it the same)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def upsert(conn: Connection, table: sa.Table, values: dict, keys: list[str]) -> None:
    """Insert `values`, or update the row with the same `keys`: one statement, safe under concurrency."""
    statement = _insert(conn, table).values(**values)
    conn.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in values if name not in keys}))


def data_folder() -> Path:
    """The folder of the SQLite file (made if missing), where the lab keeps its other files: the job queue's."""
    url = sa.make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        folder = Path(url.database).parent
    else:
        folder = DEFAULT_DB_PATH.expanduser().parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def now(conn: Connection) -> float:
    """Unix seconds on the database's clock: every process and host that shares the database agrees on it."""
    if conn.dialect.name == "postgresql":
        return float(conn.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())")).scalar_one())
    return float(conn.execute(sa.text("SELECT (julianday('now') - 2440587.5) * 86400.0")).scalar_one())


class StoredResult(NamedTuple):
    kind: str
    payload: bytes
    created_at: float


def put_result(conn: Connection, key: str, code_version: str, kind: str, payload: bytes) -> None:
    """Store a finished run under `key` for `code_version` (replacing an earlier one), in `conn`'s transaction."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"key must be a non-empty string, got {key!r}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise ValueError(f"payload must be bytes, got {type(payload).__name__}")
    upsert(conn, results, {"key": key, "code_version": code_version, "kind": kind, "payload": bytes(payload),
                           "created_at": now(conn)}, ["key", "code_version"])


def get_result(key: str, code_version: str, db: Engine | None = None) -> StoredResult | None:
    """The run stored under `key` by code of `code_version`, by any process, or None."""
    with transaction(db or engine(), write=False) as conn:
        row = conn.execute(sa.select(results.c.kind, results.c.payload, results.c.created_at)
                           .where(results.c.key == key, results.c.code_version == code_version)).first()
    return None if row is None else StoredResult(row.kind, bytes(row.payload), row.created_at)


KEEP_RESULTS = 2000        # finished runs kept per code version (a default Keras lab run's npz is ~100 kB)
KEEP_OLD_VERSION_S = 86400  # another version's results: a day, for the hosts of a rolling upgrade
KEEP_ENDED_RUNS_S = 3600    # an ended run's row (and its curves, for a late poll) after it ended


def prune(conn: Connection, code_version: str, keep_results: int = KEEP_RESULTS,
          keep_old_version_s: float = KEEP_OLD_VERSION_S, keep_ended_s: float = KEEP_ENDED_RUNS_S) -> None:
    """Drop what nobody will read: other versions' old results, this version's beyond the newest
    `keep_results`, runs that ended long ago, and waiters gone as long."""
    t = now(conn)
    conn.execute(results.delete().where(results.c.code_version != code_version,
                                        results.c.created_at < t - keep_old_version_s))
    newest = (sa.select(results.c.created_at).where(results.c.code_version == code_version)
              .order_by(results.c.created_at.desc()).offset(keep_results - 1).limit(1).scalar_subquery())
    conn.execute(results.delete().where(results.c.code_version == code_version, results.c.created_at < newest))
    conn.execute(runs.delete().where(runs.c.state.in_(("done", "failed", "stopped", "lost")),
                                     runs.c.ended_at < t - keep_ended_s))
    conn.execute(run_waiters.delete().where(run_waiters.c.seen < t - keep_ended_s))
