"""Fixtures for the store's tests: a throwaway PostgreSQL server, and a fresh database per test on each backend.

    from postgres import db_url, postgres_server  # noqa: F401  (pytest finds fixtures by name in the module)

`postgres_server` runs initdb and pg_ctl from Debian's package (`.ci/install-postgresql` installs it) on a
cluster in a temporary folder, listening only on a Unix socket in that folder (no port to collide with
another test run), and stops it when the test session ends. PostgreSQL refuses to run as root, so under
root the cluster belongs to the `postgres` user and its commands run through `runuser -u postgres --`.
Without PostgreSQL its tests fail when the environment variable CI is set, and are skipped otherwise.

`db_url` is a fresh database's URL, once on SQLite (a file in tmp_path) and once on that server (CREATE
DATABASE per test); the process's engine on it is disposed after the test.
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

from rnncore import store


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

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="rlpg-"))  # short: a socket path must fit in 107 bytes
        self.data = self.root / "data"
        self.as_user = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        # --no-sync: the throwaway cluster need not survive a power cut while it is created; the server's own
        # fsync stays on, so commits in the tests are as durable as in production.
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bin_dir / program), *args], capture_output=True,
                              text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")

    def start(self) -> None:
        # syncfs: after a crash the server first syncs the data folder; file by file (the default) took 4.3 s
        # here, one syncfs 0.5 s.
        options = f"-k {self.root} -c listen_addresses='' -c max_connections=100 " \
                  "-c recovery_init_sync_method=syncfs"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options,
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop as a crash would (immediate: no checkpoint, recovery from the WAL on start), then start."""
        self.stop("immediate")
        self.start()

    def create_database(self) -> str:
        import psycopg

        name = f"lab_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=str(self.root), user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@/{name}?host={self.root}"

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


_server: PostgresServer | None = None  # one per test session, however many modules import the fixture


@pytest.fixture(scope="session")
def postgres_server():
    global _server
    if _server is None:
        bin_dir = _bin_dir()
        problem = "PostgreSQL's initdb/pg_ctl not found (run .ci/install-postgresql)" if bin_dir is None else None
        if bin_dir is not None:
            try:
                _server = PostgresServer(bin_dir)
            except (OSError, RuntimeError, subprocess.TimeoutExpired, KeyError) as error:
                problem = f"could not start PostgreSQL: {error}"
        if problem:
            if os.environ.get("CI"):
                pytest.fail(problem)
            pytest.skip(problem)
    yield _server
    if _server is not None:
        server, _server = _server, None
        server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lab.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.url(server.create_database())
    yield url
    store.dispose(url)
