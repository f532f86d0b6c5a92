"""`dialer audit verify / export / show` as the centre's administrator types them."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialer.adapters.db import audit, migrate
from dialer.commands.audit import HEADER
from dialer.config import Settings
from tests.component.audit.tamper import centre_key, tamper
from tests.component.conftest import Dialer

# the centre is in Asia/Tokyo: 2026-12-01 there is 2026-11-30T15:00Z .. 2026-12-01T15:00Z
MOMENTS = [
    datetime(2026, 11, 30, 14, 59, 59, 999999, tzinfo=UTC),  # 11-30 23:59:59.999999 JST
    datetime(2026, 11, 30, 15, 0, tzinfo=UTC),                # 12-01 00:00 JST
    datetime(2026, 12, 1, 14, 59, 59, 999999, tzinfo=UTC),   # 12-01 23:59:59.999999 JST
    datetime(2026, 12, 1, 15, 0, tzinfo=UTC),                 # 12-02 00:00 JST
    datetime(2026, 12, 2, 1, 0, tzinfo=UTC),                  # 12-02 10:00 JST
]



@pytest.fixture
def logged(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """Five entries at the MOMENTS, written in a loop of their own."""

    async def write() -> None:
        async with migrate.migrated(settings) as database:
            for n, _ in enumerate(MOMENTS):
                async with database.engine.begin() as conn:
                    await audit.record(conn, "kanri", "calllist.assign", f"batch:{n}",
                                       n=n, note="割当変更")

    with monkeypatch.context() as patch:
        moments = iter(MOMENTS)
        patch.setattr(audit, "utcnow", lambda: next(moments))
        asyncio.run(write())
    return MOMENTS


def _tamper(settings: Settings, row_id: int) -> None:
    async def change() -> None:
        async with migrate.migrated(settings) as database, database.engine.begin() as conn:
            await tamper(conn, "UPDATE audit_log SET object = 'batch:99' WHERE id = :id",
                         id=row_id)

    asyncio.run(change())


def _read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 0  # CRLF everywhere
    return list(csv.reader(io.StringIO(raw.decode("cp932"), newline="")))


def test_verify_an_empty_log(dialer: Dialer) -> None:
    code, out, _ = dialer("audit", "verify")
    assert code == 0 and "0 rows checked: OK" in out


def test_verify_exits_1_at_the_first_broken_row(dialer: Dialer, settings: Settings,
                                                logged: list[datetime]) -> None:
    code, out, _ = dialer("audit", "verify")
    assert code == 0 and out.startswith("5 rows checked: OK; head: row 5 ")
    _tamper(settings, 3)
    code, out, _ = dialer("audit", "verify")
    assert code == 1 and out.startswith("BROKEN at row 3 (3 rows checked): hash does not match")
    code, out, _ = dialer("audit", "verify", "--json")
    assert code == 1
    assert {k: json.loads(out)[k] for k in ("ok", "broken_id", "checked")} == {
        "ok": False, "broken_id": 3, "checked": 3}


def test_export_writes_the_days_in_the_centres_time_zone(
        dialer: Dialer, tmp_path: Path, settings: Settings, logged: list[datetime]) -> None:
    out_file = tmp_path / "city.csv"
    code, out, _ = dialer("audit", "export", "--from", "2026-12-01", "--to", "2026-12-01",
                          "--out", str(out_file))
    assert code == 0 and out.strip() == f"{out_file}: 2 rows"
    header, *rows = _read(out_file)
    assert tuple(header) == HEADER and header[1] == "日時/at"
    assert [r[0] for r in rows] == ["2", "3"]
    assert rows[0][1] == "2026-12-01T00:00:00.000000+09:00"
    assert rows[1][1] == "2026-12-01T23:59:59.999999+09:00"
    assert rows[0][2:5] == ["kanri", "calllist.assign", "batch:1"]
    assert json.loads(rows[0][5]) == {"n": 1, "note": "割当変更"}
    assert rows[1][6] == rows[0][7] and all(len(r[7]) == 64 for r in rows)
    assert rows[0][7] == audit.chain_hash(
        centre_key(settings), rows[0][6], datetime.fromisoformat(rows[0][1]), *rows[0][2:6])


def test_export_defaults_to_a_named_file_here_and_is_itself_logged(
        dialer: Dialer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        logged: list[datetime]) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = dialer("audit", "export", "--from", "2026-11-30", "--to", "2026-12-02",
                          "--json")
    assert code == 0
    assert json.loads(out) == {"file": "access-log_2026-11-30_2026-12-02.csv", "rows": 5}
    assert len(_read(tmp_path / "access-log_2026-11-30_2026-12-02.csv")) == 6
    code, out, _ = dialer("audit", "show", "--limit", "1", "--json")
    (entry,) = json.loads(out)
    assert (entry["action"], entry["obj"]) == ("audit.export", "audit_log")
    assert json.loads(entry["detail"]) == {"first": "2026-11-30", "last": "2026-12-02",
                                           "rows": 5}
    assert dialer("audit", "verify")[0] == 0


def test_an_empty_range_writes_only_the_header(dialer: Dialer, tmp_path: Path) -> None:
    code, out, _ = dialer("audit", "export", "--from", "2027-01-01", "--to", "2027-01-31",
                          "--out", str(tmp_path / "none.csv"))
    assert code == 0 and out.strip().endswith(": 0 rows")
    assert _read(tmp_path / "none.csv") == [list(HEADER)]


def test_show_lists_the_newest_first(dialer: Dialer, logged: list[datetime]) -> None:
    code, out, _ = dialer("audit", "show", "--limit", "2")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].split()[:4] == ["5", "2026-12-02", "10:00:00", "kanri"]
    assert "batch:3" in lines[1]


def test_wrong_requests_exit_2(dialer: Dialer, tmp_path: Path) -> None:
    code, _, err = dialer("audit", "export", "--from", "2026-12-02", "--to", "2026-12-01")
    assert code == 2 and "--to must be on or after --from" in err
    code, _, err = dialer("audit", "export", "--from", "2026-12-01", "--to", "2026-12-01",
                          "--as", "nobody", "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "no active account 'nobody'" in err
    assert not (tmp_path / "x.csv").exists()
    for argv in (["audit", "show", "--limit", "0"], ["audit", "export", "--from", "12/01",
                                                     "--to", "2026-12-01"]):
        with pytest.raises(SystemExit) as exit_info:
            dialer(*argv)
        assert exit_info.value.code == 2
