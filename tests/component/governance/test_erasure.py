"""`dialer erase` (§14(10)): after it, a byte scan of the database file, its WAL (SQLite), the
recording store, the outbox and the data folder finds none of the erased names or numbers; one batch
goes without touching another; the certificate names no one; accounts and the access log stay
(and the log's chain still verifies)."""

from __future__ import annotations

import asyncio
import json
import secrets
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text

from dialer import config
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, CallNote, Emergency, InboundCallRecord, Target
from dialer.config import Settings
from dialer.domain import phone
from dialer.services.intake import calllist
from dialer.services.intake.importer import ImportRequest, import_file
from dialer.services.recordings.archive import RecordingArchive
from recordings_policy.lifecycle import Start
from tests.component.conftest import Dialer
from tests.component.intake.files import write_csv
from tests.component.recordings.kit import tone, wav_header

AT = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
NURSERY = [  # batch 1 (hoikuryo)
    ["H001", "札幌　太郎", "サッポロ タロウ", "011-222-3333", "090-1234-5678", "R5", "1",
     "R5.4.30", "12345"],
    ["H002", "函館　花子", "ハコダテ ハナコ", "0138-22-1234", "", "R5", "1", "R5.4.30", "8000"],
    ["H003", "不正　行", "", "011-222", "", "R5", "1", "R5.4.30", "100"],  # rejected row
]
CARE = [  # batch 2 (rojin)
    ["R001", "小樽　一郎", "オタル イチロウ", "0134-22-1111", "080-4444-5555", "R5", "1",
     "R5.4.30", "5000"],
    # the same person in another debt type's batch: kept when batch 1 goes, rightly
    ["R002", "函館　花子", "", "0138-99-0000", "", "R5", "1", "R5.4.30", "3000"],
]
SHARED = ["函館　花子"]
NOTE = "来週の月曜日に区役所の窓口で全額を納付すると約束された"


def residents(rows: list[list[str]]) -> list[str]:
    """The names, kana and numbers of these rows, as a person would search for them."""
    found = []
    for row in rows:
        found += [v for v in row[1:3] if v]
        for raw in row[3:5]:
            if raw:
                try:
                    number = phone.normalize(raw)
                except phone.PhoneError:
                    continue
                found += [number, phone.display(number)]
    return found


def found_in(data: bytes, values: list[str]) -> list[str]:
    return [v for v in values for enc in ("utf-8", "cp932") if v.encode(enc) in data]


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def scan(places: list[Path], values: list[str]) -> dict[str, list[str]]:
    """An independent byte scan (plain ``in``), xlsx members decompressed."""
    hits: dict[str, list[str]] = {}
    for path in places:
        for file in [path] if path.is_file() else files(path):
            blobs = [file.read_bytes()]
            if zipfile.is_zipfile(file):
                with zipfile.ZipFile(file) as z:
                    blobs = [z.read(n) for n in z.namelist()]
            found = [v for blob in blobs for v in found_in(blob, values)]
            if found:
                hits[str(file)] = found
    return hits


async def setup_centre(database: Database, settings: Settings, tmp_path: Path) -> dict[str, str]:
    async with database.engine.begin() as conn:
        await conn.execute(text("INSERT INTO users (login, display_name, role, active, "
                                "created_at, must_change, failed_logins) VALUES "
                                "('kanri', '管理者', 'manager', true, '2027-01-01', false, 0), "
                                "('op1', 'オペ1', 'operator', true, '2027-01-01', false, 0)"))
    first = (await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "hoikuryo.csv", NURSERY), "hoikuryo", "2027-01"))).batch
    second = (await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "rojin.csv", CARE), "rojin", "2027-01"))).batch
    calls = {}
    async with database.engine.begin() as conn:
        for batch, call in ((first, "att-first"), (second, "att-second")):
            target = (await conn.execute(select(Target.id).where(Target.batch_id == batch)
                                         .limit(1))).scalar_one()
            await conn.execute(insert(Attempt).values(
                id=call, batch_id=batch, target_id=target, phase="done", created_at=AT,
                result_code="101", result_at=AT))
            await conn.execute(insert(CallNote).values(
                attempt_id=call, batch_id=batch, target_id=target, at=AT, result_code="101",
                note=NOTE if batch == first else "", escalation=False, complaint=False,
                residents_voice=False, account_transfer=""))
            await conn.execute(insert(Emergency).values(
                call_id=call, flagged_by="op1", at=AT, reason="threat",
                reason_text=f"「家に行くぞ」と{call}の相手が繰り返し大声で発言した",
                consent="not_asked"))
            calls["call_first" if batch == first else "call_second"] = call
        await conn.execute(insert(InboundCallRecord).values(id="in-1", end="connected"))
    # an emergency recording of each call, sealed into the store (and reported to the outbox)
    archive = RecordingArchive(database, lambda: settings, lambda: AT)
    spool = settings.paths.recordings_spool
    spool.mkdir(parents=True)
    for call in calls.values():
        recording = await archive.open(Start(call, secrets.token_hex(16), "threat",
                                             "not_asked"), "op1")
        (spool / f"{call}.wav").write_bytes(wav_header(3200, True) + tone(0.2))
        await archive.store(recording, spool / f"{call}.wav", "")
    # files: paper lists, report outbox (CSV and xlsx), an upload
    for batch in (first, second):
        await calllist.export_paper(database, settings, batch, "kanri")
    outbox = settings.paths.outbox_dir / "2027-01-12"
    outbox.mkdir(parents=True)
    (outbox / "結果一覧.csv").write_bytes("氏名,電話\r\n札幌　太郎,011-222-3333\r\n"
                                        .encode("cp932"))
    (outbox / "日報.csv").write_bytes("日付,件数\r\n2027-01-12,2\r\n".encode("cp932"))
    import openpyxl
    book = openpyxl.Workbook()
    book.active.append(["小樽　一郎", "0134221111"])
    book.save(outbox / "対象者別.xlsx")
    uploads = settings.paths.data_dir / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "upload-x.csv").write_bytes((tmp_path / "hoikuryo.csv").read_bytes())
    return {"first": str(first), "second": str(second), **calls}


def places(settings: Settings) -> list[Path]:
    """Where erased data must not be found: the files, and the database's own files on SQLite
    (a PostgreSQL server's files are not this machine's to scan: VACUUM FULL, certified)."""
    db = config.database_file(settings)
    files = [db, db.with_name(db.name + "-wal")] if db is not None else []
    return [*files, settings.paths.recordings_dir, settings.paths.outbox_dir,
            settings.paths.data_dir]


async def test_erasing_one_batch_then_everything_leaves_no_name_or_number_anywhere(
        database: Database, settings: Settings, tmp_path: Path, dialer: Dialer,
        db_backend: str) -> None:
    ids = await setup_centre(database, settings, tmp_path)
    nursery = [v for v in residents(NURSERY[:2]) if v not in SHARED]
    care = residents(CARE)
    before = scan(places(settings), nursery + care)
    if db_backend == "sqlite":  # found in the database file
        assert any(p.endswith("centre.sqlite3") or p.endswith("-wal") for p in before)
    assert len(before) > 3  # ... and in the files: the scan sees what it must not see later
    await database.engine.dispose()  # the service is stopped during an erasure

    code, _out, err = await asyncio.to_thread(dialer, "erase", "--batch", ids["first"],
                                              "--as", "kanri")
    assert code == 2 and "--yes" in err  # no terminal to confirm on: nothing erased
    code, out, err = await asyncio.to_thread(
        dialer, "erase", "--batch", ids["first"], "--yes", "--as", "kanri", "--json",
        "--certificate", str(tmp_path / "cert-1.txt"))
    cert = json.loads(out)
    assert code == 0, cert["scan"]["findings"]
    assert cert["ok"] and cert["scan"]["findings"] == [] and cert["scan"]["shared"] == 1
    assert [(c["debt_type"], c["targets"], c["phones"], c["calls"], c["notes"])
            for c in cert["by_debt_type"]] == [("hoikuryo", 2, 3, 1, 1)]
    # the recorded call's flag stays without its text: the recording's erasure record needs it
    assert cert["other_rows"] == {"emergencies": 0, "emergency_texts_cleared": 1}
    assert cert["files"]["recordings"] == 1 and cert["files"]["exports"] == 2  # html + csv
    assert cert["files"]["uploads"] == 1
    left_in_outbox = [p.relative_to(settings.paths.outbox_dir) for p in files(
        settings.paths.outbox_dir)]
    # kept: the daily report (nobody in it), the other batch's list, the other call's report
    assert [str(p) for p in left_in_outbox[:2]] == ["2027-01-12/対象者別.xlsx",
                                                    "2027-01-12/日報.csv"]
    assert [p.suffix for p in left_in_outbox[2:]] == [".csv", ".json"]
    assert cert["files"]["outbox"] >= 3  # the result list, the recording's reports
    assert scan(places(settings), nursery) == {}
    left = scan(places(settings), care)  # the other batch is untouched
    assert any(p.endswith("対象者別.xlsx") for p in left)
    assert any("calllist-batch" in p for p in left)
    assert len(files(settings.paths.recordings_dir)) == 1  # the other call's recording
    assert (settings.paths.outbox_dir / "2027-01-12" / "日報.csv").exists()

    code, out, err = await asyncio.to_thread(
        dialer, "erase", "--all", "--yes", "--as", "kanri", "--certificate",
        str(tmp_path / "cert-all.txt"))
    assert code == 0, err
    assert "verified" in out
    assert scan(places(settings), nursery + care + [NOTE]) == {}
    assert files(settings.paths.recordings_dir) == files(settings.paths.outbox_dir) == []
    assert not settings.recordings.key_file.exists()  # keys dropped: no copy can be opened
    archive = RecordingArchive(database, lambda: settings, lambda: AT)
    rows = await archive.listing()
    assert {r.state.value for r in rows} == {"erased"}
    assert {r.wrapped_key for r in rows} == {""}  # each recording's own key destroyed too
    for name in ("cert-1.txt", "cert-all.txt"):
        certificate = (tmp_path / name).read_text(encoding="utf-8")
        assert found_in(certificate.encode(), nursery + care) == []
        assert "own AES-256 data key destroyed" in certificate
        if db_backend == "sqlite":
            assert "PASSED" in certificate
        else:  # the server's files and WAL are not scanned from here: said, never PASSED
            assert "PASSED" not in certificate and "NOT VERIFIED everywhere" in certificate
            assert "PostgreSQL: the server's data files, its WAL" in certificate

    async with database.engine.connect() as conn:
        kept = (await conn.execute(text("SELECT login FROM users ORDER BY id"))).scalars().all()
        rows = {t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one()
                for t in ("batches", "targets", "attempts", "call_notes", "inbound_calls")}
        texts = (await conn.execute(text("SELECT reason_text FROM emergencies"))).scalars()
        actions = [e.action for e in await audit.entries(conn, 1000)]
        chain = await audit.verify(conn)
    assert kept == ["kanri", "op1"] and set(rows.values()) == {0} and set(texts) == {""}
    assert chain.ok and actions.count("erasure.certificate") == 2
    assert "intake.import" in actions  # the access log stays (and holds no names: scanned)
    code, _out, _err = await asyncio.to_thread(dialer, "audit", "verify")
    assert code == 0


async def test_only_a_manager_erases_and_an_unknown_batch_erases_nothing(
        database: Database, settings: Settings, tmp_path: Path, dialer: Dialer) -> None:
    await setup_centre(database, settings, tmp_path)
    await database.engine.dispose()
    code, _out, err = await asyncio.to_thread(dialer, "erase", "--all", "--yes", "--as", "op1")
    assert code == 2 and "manager" in err
    code, _out, err = await asyncio.to_thread(dialer, "erase", "--batch", "99", "--yes",
                                              "--as", "kanri")
    assert code == 2 and "no batch 99" in err
    async with database.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM batches"))).scalar_one() == 2
    assert len(files(settings.paths.recordings_dir)) == 2
