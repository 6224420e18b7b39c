"""Fixtures for the store's tests: a throwaway PostgreSQL server, and a fresh database per test on each backend.

    from tests.postgres import crash_postgres, db_url, postgres_server  # noqa: F401  (fixtures, by name)

`postgres_server` runs initdb and pg_ctl from Debian's package (`.ci/install-postgresql` installs it) on a
cluster in a temporary folder, listening only on a Unix socket in that folder (no port to collide with
another test run), and stops it when the test session ends. PostgreSQL refuses to run as root, so under
root the cluster belongs to the `postgres` user and its commands run through `runuser -u postgres --`.
Without PostgreSQL its tests fail when the environment variable CI is set, and are skipped otherwise.
That shared cluster runs with fsync off (it is never crashed); `crash_postgres` is a durable cluster of one
test's own, for the tests that crash the server (`restart()`: an immediate stop, then recovery from the WAL).

`db_url` is a fresh database's URL, once on SQLite (a file in tmp_path) and once on that server (CREATE
DATABASE per test, dropped after it); the process's engine on it is disposed after the test.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from dashboard.state import store
def _bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin holding initdb and pg_ctl (or the ones on PATH)."""
    found = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin")
             if os.access(f"{d}/initdb", os.X_OK) and os.access(f"{d}/pg_ctl", os.X_OK)]
    if found:
        return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb and shutil.which("pg_ctl") else None


class PostgresServer:
    """One cluster in a temporary folder; `url(name)` for a database in it, `restart()` to crash and recover."""

    def __init__(self, bin_dir: Path, durable: bool):
        self.bin_dir, self.durable = bin_dir, durable
        self.root = Path(tempfile.mkdtemp(prefix="rlpg-"))  # short: a socket path must fit in 107 bytes
        self.data = self.root / "data"
        self.as_user = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        # --no-sync: the throwaway cluster need not survive a power cut while it is created.
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bin_dir / program), *args], capture_output=True,
                              text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")

    def start(self) -> None:
        # syncfs: after a crash the server first syncs the data folder; file by file (the default) is several
        # times slower here than one syncfs. fsync=off only on the shared cluster, never crashed: its many
        # databases made the crash test's recovery checkpoint take the better part of a minute with it on.
        options = f"-k {self.root} -c listen_addresses='' -c max_connections=100 " \
                  f"-c recovery_init_sync_method=syncfs -c fsync={'on' if self.durable else 'off'}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options,
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop as a crash would (immediate: no checkpoint, recovery from the WAL on start), then start."""
        self.stop("immediate")
        self.start()

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.root), user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self) -> str:
        name = f"lab_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        """Dropped after each test (16 ms): 160 databases of 7 MB left behind took 3.4 s to delete at the end."""
        self._admin(f'DROP DATABASE "{name}" WITH (FORCE)')

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@/{name}?host={self.root}"

    def close(self) -> None:
        try:
            self.stop("immediate")  # thrown away next: a clean shutdown's checkpoint took 3 s
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _start(durable: bool) -> PostgresServer:
    """A new cluster; fails the test when CI is set and PostgreSQL cannot run, skips it otherwise."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        problem = "PostgreSQL's initdb/pg_ctl not found (run .ci/install-postgresql)"
    else:
        try:
            return PostgresServer(bin_dir, durable)
        except (OSError, RuntimeError, subprocess.TimeoutExpired, KeyError) as error:
            problem = f"could not start PostgreSQL: {error}"
    if os.environ.get("CI"):
        pytest.fail(problem)
    pytest.skip(problem)


_server: PostgresServer | None = None  # one per test session, however many modules import the fixture


@pytest.fixture(scope="session")
def postgres_server():
    """The cluster every PostgreSQL test shares (a fresh database each); never crashed, so fsync is off."""
    global _server
    if _server is None:
        _server = _start(durable=False)
    yield _server
    if _server is not None:
        server, _server = _server, None
        server.close()


@pytest.fixture
def crash_postgres():
    """(server, url): a durable cluster of this test's own and a database in it; `server.restart()` crashes it."""
    server = _start(durable=True)
    url = server.url(server.create_database())
    yield server, url
    store.dispose(url)
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'lab.sqlite3'}"
        store.dispose(f"sqlite:///{tmp_path / 'lab.sqlite3'}")
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_database()
    yield server.url(name)
    store.dispose(server.url(name))
    server.drop_database(name)
