"""The access log is keyed and anchored (issue 19 item 10): someone with database access who
deletes a row and recomputes the chain — with plain SHA-256 or a key of their own — is found;
an anchor taken earlier finds a log cut back at its end, and a chain recomputed even with the
centre's own key; a log with rows and no key file is refused, nothing written."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dialer import config
from dialer.adapters.db import audit, migrate
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import AuditEntry
from dialer.config import ConfigError, Settings
from dialer.services.governance import access_log, audit_anchor
from dialer.services.runtime import doctor
from tests.component.audit.tamper import centre_key, tamper
from tests.component.conftest import Dialer

Link = audit.Row
Linker = Callable[[str, Link], str]  # (prev_hash, row) -> the row's hash


async def _record_n(database: Database, n: int) -> None:
    for i in range(n):
        async with database.transaction() as conn:
            await audit.record(conn, "kanri", "calllist.assign", f"batch:{i}", n=i)


async def _rows(database: Database) -> list[Link]:
    async with database.connect() as conn:
        return [row async for row in audit.rows_in_order(conn)]


async def _verify(database: Database) -> audit.VerifyResult:
    async with database.connect() as conn:
        return await audit.verify(conn)


def plain_sha256(prev_hash: str, row: Link) -> str:
    return audit.unkeyed_hash(prev_hash, row.at, row.actor, row.action, row.obj, row.detail)


def keyed_with(key: bytes) -> Linker:
    def link(prev_hash: str, row: Link) -> str:
        return audit.chain_hash(key, prev_hash, row.at, row.actor, row.action, row.obj,
                                row.detail)
    return link


async def _recompute(database: Database, link: Linker) -> None:
    """What the intruder does after changing the log: every link made again, in id order."""
    prev_hash = audit.GENESIS
    async with database.transaction() as conn:
        for row in [r async for r in audit.rows_in_order(conn)]:
            digest = link(prev_hash, row)
            await tamper(conn, "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :id",
                         p=prev_hash, h=digest, id=row.id)
            prev_hash = digest


async def _delete(database: Database, row_id: int) -> None:
    async with database.transaction() as conn:
        await tamper(conn, "DELETE FROM audit_log WHERE id = :id", id=row_id)


@pytest.mark.parametrize("recompute", ["plain sha256", "another key"])
async def test_a_deleted_row_hidden_by_recomputing_the_chain_is_found(
        database: Database, recompute: str) -> None:
    await _record_n(database, 5)
    rows = await _rows(database)
    await _delete(database, rows[2].id)
    link: Linker = plain_sha256 if recompute == "plain sha256" else keyed_with(os.urandom(32))
    await _recompute(database, link)
    forged = await _rows(database)
    assert [r.prev_hash for r in forged[1:]] == [r.hash for r in forged[:-1]]  # links agree

    result = await _verify(database)

    assert not result.ok and result.broken_id == rows[0].id and result.checked == 1
    expected = "unkeyed SHA-256" if recompute == "plain sha256" else "another key"
    assert expected in result.reason


async def test_the_chain_is_an_hmac_under_the_key_file_kept_outside_the_data(
        database: Database, settings: Settings) -> None:
    assert not settings.audit.key_file.exists()  # created with the first entry, not before
    await _record_n(database, 2)
    key_file = settings.audit.key_file
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not key_file.resolve().is_relative_to(settings.paths.data_dir.resolve())
    first, _second = await _rows(database)
    assert first.hash != plain_sha256(audit.GENESIS, first)
    assert first.hash == keyed_with(centre_key(settings))(audit.GENESIS, first)
    assert (await _verify(database)).ok


async def test_an_anchor_finds_rows_cut_from_the_end(database: Database,
                                                     settings: Settings) -> None:
    await _record_n(database, 5)
    anchor = settings.paths.outbox_dir / "access-log-head_manual.txt"
    head = await audit_anchor.take_now(database, anchor, "kanri", datetime.now(settings.tz))
    assert head is not None and head.rows == 5
    rows = await _rows(database)
    assert rows[-1].action == "audit.anchor"  # taking it is itself logged, after the head
    assert json.loads(rows[-1].detail)["row"] == head.id
    assert [c.ok for c in await audit_anchor.check(database, [anchor])] == [True]

    for row in rows[-3:]:  # the anchored row, the one before it and the anchor's own entry
        await _delete(database, row.id)

    assert (await _verify(database)).ok  # the chain alone cannot see a cut end
    [found] = await audit_anchor.check(database, [anchor])
    assert not found.ok and f"row {head.id} is gone" in found.problem


async def test_an_anchor_finds_a_chain_recomputed_with_the_centres_own_key(
        database: Database, settings: Settings) -> None:
    await _record_n(database, 5)
    folder = settings.paths.outbox_dir / "daily" / "20270112"
    async with database.transaction() as conn:
        head = await audit_anchor.take(conn, lambda: folder / "access-log-head_20270112.txt",
                                       "access-log-head_20270112.txt", "system",
                                       datetime.now(settings.tz))
    assert head is not None
    old = (await _rows(database))[1]
    async with database.transaction() as conn:
        await tamper(conn, "UPDATE audit_log SET actor = 'someone' WHERE id = :id", id=old.id)
    await _recompute(database, keyed_with(centre_key(settings)))

    assert (await _verify(database)).ok  # whoever holds the key can make the chain agree
    [found] = await audit_anchor.check(database, [settings.paths.outbox_dir])  # a folder
    assert found.path.name == "access-log-head_20270112.txt"
    assert not found.ok and "recomputed" in found.problem


async def test_rows_without_their_key_file_are_refused_and_nothing_is_written(
        database: Database, settings: Settings) -> None:
    await _record_n(database, 3)
    settings.audit.key_file.unlink()
    fresh = Database(settings)  # a restarted service: nothing read yet
    try:
        with pytest.raises(audit.AuditKeyError, match="restore the key file from its copy"):
            await access_log.require_key(fresh)
        with pytest.raises(audit.AuditKeyError, match="restore the key file"):
            await access_log.record(fresh, "kanri", "auth.logout", "user:kanri")
        async with fresh.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(AuditEntry)))
            assert count.scalar_one() == 3
            result = await audit.verify(conn)
        assert not result.ok and result.broken_id == 1
        assert result.reason.startswith("cannot be checked:")
        assert not settings.audit.key_file.exists()  # never a silent new key
    finally:
        await fresh.close()


async def test_a_key_file_others_can_read_is_refused(database: Database,
                                                     settings: Settings) -> None:
    await _record_n(database, 1)
    settings.audit.key_file.chmod(0o644)
    fresh = Database(settings)
    try:
        with pytest.raises(audit.AuditKeyError, match="readable by others"):
            await access_log.record(fresh, "kanri", "auth.logout", "user:kanri")
    finally:
        await fresh.close()


def test_the_key_inside_the_data_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text('[paths]\ndata_dir = "data"\n[audit]\nkey_file = "data/keys/audit.key"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"audit\.key_file: keep the key outside paths\.data_dir"):
        config.load(path)


# --- the commands, as the administrator types them -----------------------------------------

def _write(settings: Settings, n: int) -> None:
    async def write() -> None:
        async with migrate.migrated(settings) as database:
            await _record_n(database, n)
    asyncio.run(write())


def _change(settings: Settings, statement: str, **params: object) -> None:
    async def change() -> None:
        async with migrate.migrated(settings) as database, database.transaction() as conn:
            await tamper(conn, statement, **params)
    asyncio.run(change())


def test_head_and_verify_anchor_on_the_command_line(dialer: Dialer, settings: Settings,
                                                    tmp_path: Path) -> None:
    _write(settings, 4)
    code, out, _ = dialer("audit", "head")
    assert code == 0 and "row = 4\n" in out and "rows = 4\n" in out
    anchor = tmp_path / "city" / "head.txt"
    code, out, _ = dialer("audit", "head", "--out", str(anchor))
    assert code == 0 and out.startswith(f"{anchor}: row 4 ")
    assert anchor.stat().st_mode & 0o777 == 0o600
    code, out, _ = dialer("audit", "verify", "--anchor", str(anchor))
    assert code == 0 and f"anchor {anchor}: OK (row 4)" in out

    _change(settings, "DELETE FROM audit_log WHERE id >= 4")
    code, out, _ = dialer("audit", "verify", "--anchor", str(anchor), "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is True  # the chain itself still links
    assert [(a["row"], a["ok"]) for a in report["anchors"]] == [(4, False)]
    assert "gone" in report["anchors"][0]["problem"]


def test_a_missing_key_stops_the_commands_with_the_fix(dialer: Dialer, settings: Settings,
                                                       tmp_path: Path) -> None:
    _write(settings, 2)
    settings.audit.key_file.unlink()
    code, _, err = dialer("audit", "export", "--from", "2026-12-01", "--to", "2026-12-01",
                          "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "restore the key file from its copy" in err
    assert not settings.audit.key_file.exists()
    code, out, _ = dialer("audit", "verify")
    assert code == 1 and "cannot be checked" in out


def test_verify_anchor_refuses_a_file_that_is_no_anchor(dialer: Dialer, tmp_path: Path) -> None:
    bogus = tmp_path / "access-log-head_20270101.txt"
    bogus.write_text("row = 1\n", encoding="utf-8")
    code, _, err = dialer("audit", "verify", "--anchor", str(bogus))
    assert code == 2 and "not an access-log anchor" in err
    code, _, err = dialer("audit", "verify", "--anchor", str(tmp_path / "empty"))
    assert code == 2


def test_the_digest_is_not_plain_sha256_of_the_same_bytes() -> None:
    row = Link(1, datetime(2027, 1, 1, tzinfo=UTC), "kanri", "x", "y", "{}", audit.GENESIS, "")
    body = audit.GENESIS.encode() + audit.canonical(row.at, "kanri", "x", "y", "{}")
    assert plain_sha256(audit.GENESIS, row) == hashlib.sha256(body).hexdigest()
    assert keyed_with(b"k" * 32)(audit.GENESIS, row) != hashlib.sha256(body).hexdigest()


async def test_doctor_names_the_key_and_a_loose_key_file(database: Database,
                                                         settings: Settings) -> None:
    await _record_n(database, 1)
    lines = [f.line() for f in doctor.offline(settings, None)]
    assert f"OK    audit       access-log key {settings.audit.key_file}, apart" in "\n".join(lines)
    settings.audit.key_file.chmod(0o640)
    lines = [f.line() for f in doctor.offline(settings, None)]
    assert f"FIX   files       {settings.audit.key_file} is readable by others: chmod 600 it" \
        in lines
