"""Backups (`dialer backup take / restore`): taken while results are being written and a
recording sits in the store, restored into a fresh folder (SQLite) or an empty database
(PostgreSQL) — every result committed before the backup is there, the access log's chain
verifies, the service's own commands run on it. The file is sealed: a wrong key, a changed byte
or a cut file is refused; no plain copy of the data is left next to the backups; the key lives
outside the data folder; old backups are destroyed beyond the retention count."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from dialer import cli, config
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt
from dialer.adapters.scheduler import Scheduler
from dialer.adapters.shred import files_in as shred_files
from dialer.config import Settings
from dialer.services.governance import backups, erasure
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import GOOD_ROWS, write_csv

AT = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
RECORDING = "0123456789abcdef0123456789abcdef.rec"


async def _centre(settings: Settings, database: Database, tmp_path: Path) -> tuple[int, int]:
    """A batch imported (batch id, first target id) and one sealed recording in the store."""
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS)
    result = await import_file(database, settings, ImportRequest(
        path=path, debt_type="hoikuryo", month="2027-01", actor="kanri"))
    settings.paths.recordings_dir.mkdir(parents=True, exist_ok=True)
    (settings.paths.recordings_dir / RECORDING).write_bytes(secrets.token_bytes(4096))
    return result.batch, 0


async def _results(database: Database) -> int:
    async with database.engine.connect() as conn:
        return int((await conn.execute(
            select(func.count()).select_from(Attempt).where(Attempt.result_code.is_not(None))
        )).scalar_one())


async def _write_results(database: Database, batch: int, stop: asyncio.Event) -> int:
    """Operators saving results one after another (a result and its access-log line in one
    transaction) until ``stop``; how many were written."""
    async with database.engine.connect() as conn:
        target = (await conn.execute(text(
            "SELECT id FROM targets WHERE batch_id = :b ORDER BY id LIMIT 1"), {"b": batch})
        ).scalar_one()
    written = 0
    while not stop.is_set():
        now = AT + timedelta(seconds=written)
        async with database.engine.begin() as conn:
            await conn.execute(insert(Attempt).values(
                id=f"att-{written}", batch_id=batch, target_id=target, phase="done",
                created_at=now, ended_at=now, result_code="101", result_at=now,
                instance="main"))
            await audit.record(conn, "op01", "result.save", f"attempt:att-{written}",
                               code="101")
        written += 1
        await asyncio.sleep(0)
    return written


def _restored_settings(settings: Settings, tmp_path: Path, url: str) -> Path:
    path = tmp_path / "restored.toml"
    path.write_text(f'[database]\nurl = "{url}"\n\n[paths]\ndata_dir = "restored-data"\n'
                    f'[backup]\ndir = "{settings.backup.dir}"\n'
                    f'key_file = "{settings.backup.key_file}"\n', encoding="utf-8")
    return path


async def test_a_backup_taken_while_results_are_written_restores_whole(
    settings: Settings, database: Database, tmp_path: Path, db_backend: str,
    pg_fresh_url: str | None,
) -> None:
    batch, _target = await _centre(settings, database, tmp_path)
    stop = asyncio.Event()
    writer = asyncio.create_task(_write_results(database, batch, stop))
    try:
        for _ in range(2000):
            if await _results(database) >= 20:
                break
            await asyncio.sleep(0.01)
        before = await _results(database)
        done = await backups.take(settings, database, backups.plan_for(settings), "kanri")
        after = await _results(database)
    finally:
        stop.set()
        written = await writer
    assert written > after >= before >= 20
    assert done.recordings == 1 and done.database == db_backend
    assert stat.S_IMODE(done.path.stat().st_mode) == 0o600
    assert [p.name for p in settings.backup.dir.iterdir()] == [done.path.name]  # no staging

    into = tmp_path / "restore"
    restored = await asyncio.to_thread(backups.restore, done.path, settings.backup.key_file,
                                       into, pg_fresh_url)
    assert restored.recordings == 1
    assert (into / "recordings" / RECORDING).read_bytes() == (
        settings.paths.recordings_dir / RECORDING).read_bytes()
    url = pg_fresh_url or f"sqlite+aiosqlite:///{restored.database_file}"
    again = dataclasses.replace(settings, database=dataclasses.replace(settings.database,
                                                                       url=url))
    copy = Database(again)
    try:
        assert before <= await _results(copy) <= after
    finally:
        await copy.close()
    restored_config = _restored_settings(settings, tmp_path, url)
    assert await asyncio.to_thread(cli.main, ["--config", str(restored_config),
                                              "audit", "verify"]) == 0
    assert await asyncio.to_thread(cli.main, ["--config", str(restored_config),
                                              "batch", "list"]) == 0


async def test_the_backup_is_in_the_access_log_and_old_ones_are_destroyed(
    settings: Settings, database: Database, tmp_path: Path,
) -> None:
    await _centre(settings, database, tmp_path)
    plan = dataclasses.replace(backups.plan_for(settings), keep=2)
    taken = [await backups.take(settings, database, plan, "kanri",
                                now=AT + timedelta(minutes=i)) for i in range(3)]
    assert backups.backups_in(plan.folder) == [b.path for b in taken[1:]]
    assert taken[2].removed == (taken[0].path,)
    async with database.engine.connect() as conn:
        rows = [r for r in await audit.entries(conn, 50) if r.action == "backup.take"]
    assert len(rows) == 3 and rows[0].detail["sha256"] == taken[2].sha256


async def test_a_wrong_key_or_a_changed_byte_is_refused_and_nothing_is_left(
    settings: Settings, database: Database, tmp_path: Path,
) -> None:
    await _centre(settings, database, tmp_path)
    done = await backups.take(settings, database, backups.plan_for(settings), "kanri")
    wrong = tmp_path / "wrong.key"
    wrong.write_text(secrets.token_hex(32) + "\n")
    wrong.chmod(0o600)
    with pytest.raises(backups.BackupError, match="another key"):
        backups.restore(done.path, wrong, tmp_path / "a")
    changed = tmp_path / "changed.backup"
    data = bytearray(done.path.read_bytes())
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    with pytest.raises(backups.BackupError):
        backups.restore(changed, settings.backup.key_file, tmp_path / "b")
    cut = tmp_path / "cut.backup"
    cut.write_bytes(done.path.read_bytes()[: len(data) - 40])
    with pytest.raises(backups.BackupError):
        backups.restore(cut, settings.backup.key_file, tmp_path / "c")
    for folder in ("a", "b", "c"):
        assert shred_files(tmp_path / folder) == []


async def test_a_lost_key_is_never_replaced_while_backups_exist(
    settings: Settings, database: Database, tmp_path: Path,
) -> None:
    await _centre(settings, database, tmp_path)
    await backups.take(settings, database, backups.plan_for(settings), "kanri")
    settings.backup.key_file.unlink()
    with pytest.raises(backups.BackupError, match="key is missing"):
        await backups.take(settings, database, backups.plan_for(settings), "kanri")
    assert not settings.backup.key_file.exists()


def test_the_key_must_live_outside_the_data_and_backup_folders(tmp_path: Path) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text('[backup]\nkey_file = "var/keys/backup.key"\n', encoding="utf-8")
    with pytest.raises(config.ConfigError, match=r"backup\.key_file"):
        config.load(path)


@pytest.fixture
def pg_fresh_url(db_backend: str, request: pytest.FixtureRequest) -> str | None:
    """PostgreSQL: an empty database to restore into (SQLite restores into the folder)."""
    if db_backend != "postgresql":
        return None
    server = request.getfixturevalue("pg_server")
    name = server.create(migrated=False)
    request.addfinalizer(lambda: server.drop_later(name))
    return str(server.database_url(name))



async def test_the_service_takes_one_every_night_at_the_configured_time(
    settings: Settings, database: Database, tmp_path: Path,
) -> None:
    await _centre(settings, database, tmp_path)
    scheduler = Scheduler(settings.tz)
    backups.schedule_nightly(scheduler, database, lambda: settings)
    night = datetime(2027, 1, 12, 3, 0, tzinfo=settings.tz)
    assert scheduler.next_run(backups.JOB_NAME, night) == night.replace(day=13, hour=2,
                                                                        minute=30)
    await backups.nightly_job(database, lambda: settings)()
    [taken] = backups.backups_in(settings.backup.dir)
    async with database.engine.connect() as conn:
        [row] = [r for r in await audit.entries(conn, 20) if r.action == "backup.take"]
    assert row.actor == backups.NIGHTLY_ACTOR and taken.name in row.obj
    never = dataclasses.replace(settings, backup=dataclasses.replace(settings.backup, at=""))
    backups.schedule_nightly(scheduler, database, lambda: never)
    assert scheduler.next_run(backups.JOB_NAME, night) is None


async def test_a_full_erasure_destroys_the_backups_and_their_key(
    settings: Settings, database: Database, tmp_path: Path, manager: str,
) -> None:
    await _centre(settings, database, tmp_path)
    await backups.take(settings, database, backups.plan_for(settings), manager)
    cert, text = await erasure.erase(database, settings, None, manager)
    assert backups.backups_in(settings.backup.dir) == []
    assert not settings.backup.key_file.exists()
    assert cert.files["backups"] == 1 and "backup key file destroyed" in text
    assert not any("backups:" in u for u in cert.unverified)


async def test_one_batch_erased_names_the_backups_that_still_hold_it(
    settings: Settings, database: Database, tmp_path: Path, manager: str, db_backend: str,
) -> None:
    batch, _ = await _centre(settings, database, tmp_path)
    done = await backups.take(settings, database, backups.plan_for(settings), manager)
    cert, text = await erasure.erase(database, settings, batch, manager)
    assert backups.backups_in(settings.backup.dir) == [done.path]  # sealed: cannot be cut
    assert any(u.startswith("backups: 1 sealed backup") for u in cert.unverified)
    assert "NOT VERIFIED everywhere" in text and "PASSED" not in text
    assert any(u.startswith("PostgreSQL") for u in cert.unverified) == (
        db_backend == "postgresql")
