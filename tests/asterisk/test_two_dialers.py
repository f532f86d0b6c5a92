"""Scale-out: two dialer processes on one PostgreSQL database, each with its own sandbox
Asterisk, simulated residents and autopilot operators, dial the same batch at the same time
(`dialer campaign run`, the service with the sandbox driver). No target is called twice at
once and none more often than the retry rules allow: checked in the database, and on the wire
— the INVITEs each Asterisk sent to its carrier, counted per number (distinct Call-IDs)."""

from __future__ import annotations

import asyncio
import itertools
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from dialer import config
from dialer.adapters.db import users
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Target, TargetPhone
from dialer.domain import phone
from dialer.pbx import sandbox, sipp
from dialer.services.intake import ImportRequest, import_file
from tests.component.intake.files import write_csv
from tests.support.postgres import Server

OPERATORS = 8  # per dialer: every seat of its own sandbox
DEADLINE_S = 75.0
PERIOD = """
[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]
"""
# The last digit picks what the simulated resident does (dialer/pbx/sipp/residents.xml):
# 1 busy (retry in 15 min), 2 rings out (retry in 2 h), 4 answers (the operator's result),
# 3 not in service (the target's next number at once: a mobile that answers).
KINDS = (("1", None), ("2", None), ("4", None), ("3", "4"))
TARGETS = 48


def rows() -> list[list[str]]:
    made = []
    for n in range(TARGETS):
        first, second = KINDS[n % len(KINDS)]
        mobile = f"090-{1000 + n}-000{second}" if second else ""
        made.append([f"S{n:03d}", f"住民　{n:02d}", "", f"011-{300 + n}-100{first}", mobile,
                     "R5", "1", "R5.4.30", "1000"])
    return made


def expected_calls() -> Counter[str]:
    """Every number rung exactly once in this run: no retry is due within it."""
    return Counter(phone.normalize(number) for row in rows() for number in row[3:5] if number)


async def prepared(url: str, tmp_path: Path) -> int:
    """The batch imported and the autopilot accounts made, before either dialer starts."""
    (tmp_path / "setup.toml").write_text(f'[database]\nurl = "{url}"\n' + PERIOD)
    settings = config.load(tmp_path / "setup.toml")
    database = Database(settings)
    try:
        path = write_csv(tmp_path / "hoikuryo-2027-01.csv", rows())
        batch = (await import_file(database, settings, ImportRequest(
            path, "hoikuryo", "2027-01"))).batch
        async with database.engine.begin() as conn:
            for n in range(1, OPERATORS + 1):
                await users.add(conn, f"autopilot{n:02d}", f"自動オペレーター{n}", "operator")
    finally:
        await database.close()
    return int(batch)


def dialer_config(url: str, folder: Path) -> Path:
    """A dialer's own configuration: the shared database, its instance name (the folder's)."""
    folder.mkdir()
    path = folder / "dialer.toml"
    path.write_text(f'[database]\nurl = "{url}"\ninstance = "{folder.name}"\n' + PERIOD)
    return path


async def run_dialer(url: str, folder: Path, batch: int) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dialer", "--config", str(dialer_config(url, folder)), "campaign",
        "run", "--batch", str(batch), "--operators", str(OPERATORS), "--at", "2027-01-12 12:00",
        "--minutes", "1", "--ring-timeout", "3", "--sip-trace", "--dir", str(folder / "sandbox"),
        "--json", stdout=asyncio.subprocess.PIPE, stderr=(folder / "stderr.log").open("wb"))
    try:
        out, _ = await asyncio.wait_for(process.communicate(), DEADLINE_S)
    except TimeoutError:
        process.send_signal(signal.SIGINT)  # the driver stops its sandbox and phones on the way
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()
        raise
    return int(process.returncode or 0), out.decode()


def invites(sandbox_dir: Path) -> Counter[str]:
    """Calls Asterisk placed to the carrier, per number dialed (one per Call-ID)."""
    [log] = sandbox_dir.glob("sipp-*-messages.log")
    run = sipp.SippRun(process=None, port=0, message_log=log)  # type: ignore[arg-type]
    calls = set()
    for message in run.received("INVITE"):
        number = re.search(r"^\s*INVITE sip:(\d+)@", message, re.M)
        assert number is not None, message
        calls.add((number.group(1), sipp.header(message, "Call-ID")))
    return Counter(number for number, _call in calls)


async def test_two_dialers_on_one_database_never_call_a_target_twice(tmp_path: Path) -> None:
    server = Server()
    name = server.create()
    try:
        url = server.database_url(name)
        batch = await prepared(url, tmp_path)
        start = time.monotonic()
        results = await asyncio.gather(*(run_dialer(url, tmp_path / f"d{n}", batch)
                                         for n in (1, 2)))
        elapsed = time.monotonic() - start
        for n, (code, _out) in enumerate(results, 1):
            assert code == 0, (tmp_path / f"d{n}" / "stderr.log").read_text()[-3000:]
        await check_database(url, tmp_path)
    finally:
        for n in (1, 2):  # left running only if a driver was killed: never outlive the test
            await asyncio.to_thread(sandbox.down, tmp_path / f"d{n}" / "sandbox")
        server.drop(name)
        server.close()
    wire = [invites(tmp_path / f"d{n}" / "sandbox") for n in (1, 2)]
    assert all(sum(w.values()) > 0 for w in wire)  # both Asterisks placed calls
    assert wire[0] + wire[1] == expected_calls()  # every number once, whichever dialer rang it
    assert elapsed < 60, elapsed


async def check_database(url: str, tmp_path: Path) -> None:
    (tmp_path / "check.toml").write_text(f'[database]\nurl = "{url}"\n')
    database = Database(config.load(tmp_path / "check.toml"))
    try:
        async with database.engine.connect() as conn:
            attempts = (await conn.execute(select(
                Attempt.target_id, Attempt.created_at, Attempt.ended_at, Attempt.result_code,
                Attempt.instance).order_by(Attempt.target_id, Attempt.created_at))).all()
            claimed = dict((await conn.execute(select(Target.id, Target.attempts))).all())
            numbers = Counter((await conn.execute(select(TargetPhone.target_id))).scalars())
    finally:
        await database.close()
    assert all(a.ended_at is not None and a.result_code for a in attempts)  # all ended
    per_target = Counter(a.target_id for a in attempts)
    assert per_target == Counter(numbers)  # each of a target's numbers once, no retry yet
    assert per_target == Counter(claimed)
    for earlier, later in itertools.pairwise(attempts):
        if earlier.target_id == later.target_id:  # never two calls to one target at once
            assert earlier.ended_at <= later.created_at, (earlier, later)
    by_dialer = Counter(a.instance for a in attempts)
    assert set(by_dialer) == {"d1", "d2"}, by_dialer  # both dialed, from one batch
