"""A throwaway PostgreSQL server for the register's tests (Debian's ``postgresql``
package; scripts/test.sh installs it): one server per test process, started on a free
local port in a temporary folder, one new database per test, stopped at the end. No
mocks: the register runs against the real server.

As root (CI), the server runs as the ``postgres`` user the package creates
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _bin(name: str) -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=_version)
    return str(found[-1]) if found else shutil.which(name)


def _version(path: Path) -> int:
    part = path.parts[-3]
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server: ``url(db)`` names one of its databases."""

    port: int
    data: Path
    run_as: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[Server]:
    """Start a server (initdb, pg_ctl) and stop it afterwards."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.fail("PostgreSQL is not installed (scripts/test.sh installs Debian's postgresql)")
    base = Path(tempfile.mkdtemp(prefix="riskmap-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", opts, "-l", str(data / "log"), "-w", "start"],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield Server(port, data, run_as)
    finally:
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def raw_sql(location: str | Path, *statements: str) -> None:
    """Run statements on a register's database behind the register's back (a forger with
    write access): sqlite3 on a file, psycopg on a URL; committed together."""
    if str(location).startswith("postgresql://"):
        import psycopg

        with psycopg.connect(str(location)) as conn:
            for s in statements:
                conn.execute(s)  # type: ignore[arg-type]
        return
    import sqlite3

    conn3 = sqlite3.connect(location)
    try:
        for s in statements:
            conn3.execute(s)
        conn3.commit()
    finally:
        conn3.close()
