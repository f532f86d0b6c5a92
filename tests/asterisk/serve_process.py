"""`dialer serve` as its own process, the literal command an operator of a sandbox types:

    .venv/bin/dialer --config FILE serve --sandbox DIR --at "2027-01-12 12:00"

and `dialer campaign open|close … --as LOGIN` beside it (what a manager types). Used by the
kill -9 test, the campaign command-line test and the two-dialer test."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import aiohttp

from dialer.adapters.db.engine import Database
from dialer.adapters.db.migrate import upgrade_database
from dialer.config import Settings
from dialer.domain.login import LoginPolicy
from dialer.services.governance import accounts
from dialer.services.intake.importer import ImportRequest, import_file
from tests.asterisk.kit import PERIOD
from tests.support.approved_documents import approve_documents

ROOT = Path(__file__).resolve().parents[2]
DIALER = Path(sys.executable).with_name("dialer")  # the venv's console script


class ServeProcess:
    """One `dialer serve --sandbox DIR` run after another; their output goes to ``log``."""

    def __init__(self, config_path: Path, sandbox_dir: str | Path, log: Path) -> None:
        self.config_path, self.sandbox_dir, self.log = config_path, Path(sandbox_dir), log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, at: str, url: str, since: float | None = None) -> None:
        """Start `dialer serve` with its clock at ``at`` (at the real moment ``since``, when
        given: processes started with the same pair share one clock); return once ``url`` is
        healthy."""
        anchor = ["--at-since", repr(since)] if since is not None else []
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                str(DIALER), "--config", str(self.config_path), "serve",
                "--sandbox", str(self.sandbox_dir), "--at", at, *anchor,
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        assert await until_healthy(url, self.process), self.tail()

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no stop, no cleanup
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                async with asyncio.timeout(15):
                    await self.process.wait()
            except TimeoutError:
                await self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


async def until_healthy(url: str, process: asyncio.subprocess.Process,
                        timeout_s: float = 30) -> bool:
    """True once ``url``'s health answers 200 with the AMI link up; False if the process
    ended or the time ran out."""
    async with aiohttp.ClientSession() as http:
        for _ in range(int(timeout_s / 0.2)):
            if process.returncode is not None:
                return False
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{url}api/health") as response:
                    if response.status == 200 and (await response.json()).get("ami_connected"):
                        return True
            await asyncio.sleep(0.2)
    return False


async def campaign(config_path: Path, *args: str, actor: str = "kanri") -> float:
    """`dialer campaign ARGS --as ACTOR` as its own process; the monotonic time it ended."""
    process = await asyncio.create_subprocess_exec(
        str(DIALER), "--config", str(config_path), "campaign", *args, "--as", actor,
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    return time.monotonic()


PASSWORD = "operator-pass-1"  # every operator account these tests make


def write_config(folder: Path, port: int, database_url: str | None = None,
                 instance: str | None = None, audit_key: Path | None = None) -> Path:
    """A service's TOML in ``folder``: its web port, its database (by default a SQLite file
    there), its instance name if given, its data folder, the access log's key (every process
    on one database shares it; by default keys/audit.key there), and the test calling
    period."""
    url = database_url or f"sqlite+aiosqlite:///{folder}/centre.sqlite3"
    path = folder / "dialer.toml"
    path.write_text(f'[web]\nport = {port}\n[database]\nurl = "{url}"\n'
                    + (f'instance = "{instance}"\n' if instance else "")
                    + f'[paths]\ndata_dir = "{folder}/var"\n'
                    + (f'[audit]\nkey_file = "{audit_key}"\n' if audit_key else "") + PERIOD)
    return path


async def prepare_centre(settings: Settings, csv: Path, operators: Iterable[str]) -> int:
    """The database a service will run on, migrated: the batch of ``csv`` (hoikuryo,
    2027-01), the ``operators`` (password ``PASSWORD``), the manager ``kanri`` and hoikuryo's
    approved talk script, Q&A set and manual (its campaign opens only with them)."""
    database = Database(settings)
    try:
        await upgrade_database(database)
        batch = (await import_file(database, settings,
                                   ImportRequest(csv, "hoikuryo", "2027-01"))).batch
        for login in operators:
            await accounts.add_user(database, login, login, "operator", ["hoikuryo"],
                                    settings.debt_types)
            await accounts.set_password(database, "setup", login, PASSWORD, LoginPolicy())
        await accounts.add_user(database, "kanri", "管理者", "manager", [], settings.debt_types)
        await approve_documents(database, "hoikuryo")
    finally:
        await database.close()
    return int(batch)
