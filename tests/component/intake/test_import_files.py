"""`import_file` end to end on files built here: counts, stored values, error reports, refusals."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.services.intake.importer import ImportRequest, IntakeError, IntakeRefused, import_file
from tests.component.intake.conftest import count, snapshot
from tests.component.intake.files import BAD_ROWS, GOOD_ROWS, write_csv, write_xlsx


async def rows_of(database: Database, sql: str) -> list[tuple[object, ...]]:
    """Raw rows, dates as SQLite keeps them (PostgreSQL's driver gives ``date`` objects)."""
    async with database.engine.connect() as conn:
        return [tuple(v.isoformat() if isinstance(v, date) else v for v in r)
                for r in await conn.execute(text(sql))]


async def test_cp932_with_full_width_digits_and_era_dates(database: Database, settings: Settings,
                                                          tmp_path: Path) -> None:
    path = write_csv(tmp_path / "保育所等保育料_202701.csv", GOOD_ROWS)
    result = await import_file(database, settings, ImportRequest(path, "保育所等保育料", "2027-01"))
    assert (result.imported, result.rejected, result.targets) == (4, 0, 3)
    assert (result.encoding, result.errors_file) == ("cp932", None)
    assert await rows_of(database, "SELECT ref, name, kana, source_row FROM targets") == [
        ("A001", "札幌　太郎", "サッポロ タロウ", 2), ("A002", "函館　花子", "ハコダテ ハナコ", 4),
        ("A003", "旭川　次郎", None, 5)]
    assert await rows_of(database, "SELECT t.ref, p.number FROM target_phones p JOIN targets t "
                                   "ON t.id = p.target_id ORDER BY p.position") == [
        ("A001", "0112223333"), ("A001", "09012345678"), ("A002", "0138221234"),
        ("A003", "09022223333"), ("A003", "08044445555")]
    assert await rows_of(database, "SELECT source_row, fiscal_year, installment, due_date, amount "
                                   "FROM debts ORDER BY source_row") == [
        (2, 2023, "第1期", "2023-04-30", 12345), (3, 2023, "第2期", "2023-05-31", 12345),
        (4, 2023, "1", "2023-06-30", 8000), (5, 2023, "第3期", "2019-04-30", 500)]
    batch = await rows_of(database, "SELECT debt_type, month, source_name, rows_imported, "
                                    "rows_rejected, encoding FROM batches")
    assert batch == [("hoikuryo", "2027-01", "保育所等保育料_202701.csv", 4, 0, "cp932")]


async def test_utf8_bom_file(database: Database, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS, encoding="utf-8-sig")
    result = await import_file(database, settings, ImportRequest(path, "rojin", "2027-02"))
    assert (result.imported, result.targets, result.encoding) == (4, 3, "utf-8-sig")


async def test_plain_utf8_and_an_explicit_encoding(database: Database, settings: Settings,
                                                   tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS, encoding="utf-8")
    result = await import_file(database, settings,
                               ImportRequest(path, "rojin", "2027-02", encoding="UTF8"))
    assert (result.imported, result.encoding) == (4, "utf-8")


async def test_xlsx_with_numbers_that_lost_their_zero_and_real_dates(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    rows = [["X1", "札幌　太郎", "", 112223333, 9012345678, 2023, 1, datetime(2023, 4, 30),
             12345.0],
            ["X2", "函館　花子", "", "011-111-2222", None, "R5", "1", "R5.5.31", "1,000"]]
    path = write_xlsx(tmp_path / "list.xlsx", rows)
    result = await import_file(database, settings, ImportRequest(path, "jidoclub", "2027-01"))
    assert (result.imported, result.rejected, result.encoding) == (2, 0, "xlsx")
    assert await rows_of(database, "SELECT number FROM target_phones ORDER BY position") == [
        ("0112223333",), ("09012345678",), ("0111112222",)]
    assert await rows_of(database, "SELECT due_date, amount FROM debts ORDER BY source_row") == [
        ("2023-04-30", 12345), ("2023-05-31", 1000)]


async def test_bad_rows_are_reported_and_good_rows_import(database: Database, settings: Settings,
                                                          tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS)
    result = await import_file(database, settings, ImportRequest(path, "hoikuryo", "2027-01"))
    assert (result.imported, result.rejected, result.targets) == (4, 3, 3)
    assert result.errors_file is not None
    assert result.errors_file.parent == settings.paths.data_dir / "intake-errors"
    assert oct(result.errors_file.stat().st_mode & 0o777) == "0o600"
    with result.errors_file.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [
            ["row", "column", "value_masked", "reason"],
            ["6", "電話番号", "***-***", "phone: wrong length"],
            ["7", "管理番号", "(empty)", "empty"],
            ["7", "納期限", "**.**.*", "no such date"],
            ["7", "金額", "'-*", "negative amount"],  # the one CSV writer: never a formula
            ["8", "電話番号", "(empty)", "no phone number"],
        ]
    assert "小樽" not in result.errors_file.read_text(encoding="utf-8-sig")


async def test_strict_refuses_the_file_and_changes_nothing(database: Database, settings: Settings,
                                                           tmp_path: Path) -> None:
    before = await snapshot(database)
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS)
    with pytest.raises(IntakeRefused) as caught:
        await import_file(database, settings,
                          ImportRequest(path, "hoikuryo", "2027-01", strict=True))
    assert caught.value.reason == "--strict and 3 bad rows"
    assert caught.value.errors_file is not None and caught.value.rejected == 3
    assert await snapshot(database) == before


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("undecodable.csv", "管理番号,氏名,電話番号\r\nA1,札幌,011-222-3333\r\n".encode("cp932")
     + b"A2,\x82\xff\xfe,011-222-3333\r\n", "cannot be decoded as cp932 at line 3"),
    ("missing.csv", "管理番号,氏名カナ,電話番号\r\nA1,サッポロ,011-222-3333\r\n".encode("cp932"),
     "missing column 氏名"),
    ("nophone.csv", "管理番号,氏名\r\nA1,札幌\r\n".encode("cp932"),
     "missing column: one of 電話番号"),
    ("empty.csv", b"", "the file is empty"),
    ("header_only.csv", "管理番号,氏名,電話番号\r\n".encode("cp932"), "the file has no data rows"),
    ("nul.csv", b"\xe7\xae\xa1,\x00\x00\r\n", "a binary file (NUL bytes), not CSV text"),
    ("老人福祉施設_202701.csv",
     "管理番号,氏名,電話番号\r\nA1,札幌,011-222-3333\r\n".encode("cp932"),
     "the file name names debt type rojin"),
    ("wrongcol.csv", "管理番号,氏名,電話番号,債権種別\r\nA1,札幌,011-222-3333,保育所等保育料\r\n"
     "A2,函館,011-222-4444,夜間急病センター使用料・手数料\r\n".encode("cp932"),
     "row 3 is of debt type yakan"),
    ("broken.xlsx", b"PK\x03\x04 not really a workbook", "not a readable .xlsx workbook"),
])
async def test_unreadable_or_wrong_files_are_refused_and_change_nothing(
        database: Database, settings: Settings, tmp_path: Path, name: str, content: bytes,
        reason: str) -> None:
    await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "earlier.csv", GOOD_ROWS), "hoikuryo", "2027-01"))
    before = await snapshot(database)
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IntakeRefused) as caught:
        await import_file(database, settings, ImportRequest(path, "hoikuryo", "2027-01"))
    assert reason in caught.value.reason
    assert await snapshot(database) == before


async def test_the_same_content_twice_is_refused_unless_forced(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS)
    first = await import_file(database, settings, ImportRequest(path, "hoikuryo", "2027-01"))
    renamed = path.rename(tmp_path / "renamed.csv")
    with pytest.raises(IntakeRefused, match=f"already imported as batch {first.batch}"):
        await import_file(database, settings, ImportRequest(renamed, "hoikuryo", "2027-02"))
    again = await import_file(database, settings,
                              ImportRequest(renamed, "hoikuryo", "2027-01", force=True))
    assert again.batch != first.batch
    assert await count(database, "targets") == 6  # two batches, no matching across them


async def test_a_reference_with_two_names_in_one_file_is_a_row_error(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    rows = [GOOD_ROWS[0], ["A001", "別人　花子", "", "011-999-8888", "", "", "", "", ""]]
    result = await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "list.csv", rows), "hoikuryo", "2027-01"))
    assert (result.imported, result.rejected, result.targets) == (1, 1, 1)
    assert result.errors_file is not None
    assert "管理番号 already used with another 氏名 (row 2)" in result.errors_file.read_text(
        encoding="utf-8-sig")


async def test_the_child_process_reader_gives_the_same_batch(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    rows = [[f"K{i:05d}", f"名前{i}", "", f"011-{i % 900 + 100}-{i:04d}", "", "R5", "1",
             "R5.4.1", f"{i:,}"] for i in range(1, 5000)] + BAD_ROWS
    path = write_csv(tmp_path / "big.csv", rows)
    result = await import_file(database, settings,
                               ImportRequest(path, "hoikuryo", "2027-01", process=True))
    assert (result.imported, result.rejected, result.targets) == (4999, 3, 4999)
    thread = await import_file(database, settings, ImportRequest(
        path, "hoikuryo", "2027-01", process=False, force=True))
    assert (thread.imported, thread.rejected, thread.targets) == (4999, 3, 4999)
    assert result.errors_file is not None and thread.errors_file is not None
    assert result.errors_file.read_bytes() == thread.errors_file.read_bytes()


async def test_refusals_in_the_child_process_arrive_as_themselves(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("管理番号,氏名カナ\r\nA1,サ\r\n".encode("cp932"))
    with pytest.raises(IntakeRefused, match="missing column 氏名"):
        await import_file(database, settings,
                          ImportRequest(path, "hoikuryo", "2027-01", process=True))


@pytest.mark.parametrize(("request_kwargs", "message"), [
    ({"debt_type": "nope"}, "unknown debt type 'nope'"),
    ({"month": "2027-13"}, "--month must be YYYY-MM"),
])
async def test_wrong_requests(database: Database, settings: Settings, tmp_path: Path,
                              request_kwargs: dict[str, str], message: str) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS)
    fields = {"path": path, "debt_type": "hoikuryo", "month": "2027-01", **request_kwargs}
    with pytest.raises((IntakeError, ValueError), match=message):
        await import_file(database, settings, ImportRequest(**fields))  # type: ignore[arg-type]


async def test_a_mapping_override_and_a_signature_header(database: Database, settings: Settings,
                                                         tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[default]\nref = "整理番号"\n[jugyoryo]\nname = "生徒氏名"\n'
                       'required = ["学校名"]\n', encoding="utf-8")
    header = ["整理番号", "生徒氏名", "学校名", "電話番号"]
    path = write_csv(tmp_path / "list.csv", [["S1", "札幌 一郎", "札幌高校", "011-222-3333"]],
                     header=header)
    result = await import_file(database, settings,
                               ImportRequest(path, "jugyoryo", "2027-01", mapping=mapping))
    assert (result.imported, result.targets) == (1, 1)
    no_school = write_csv(tmp_path / "other.csv", [["S1", "札幌", "011-222-3333"]],
                          header=["整理番号", "生徒氏名", "電話番号"])
    with pytest.raises(IntakeRefused, match=r"missing column 学校名 .*another debt type"):
        await import_file(database, settings,
                          ImportRequest(no_school, "jugyoryo", "2027-01", mapping=mapping))



async def test_rows_of_one_target_across_chunks(database: Database, settings: Settings,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from dialer.services.intake import reader as intake_reader

    monkeypatch.setattr(intake_reader, "CHUNK_ROWS", 2)
    rows = [*GOOD_ROWS, ["A001", "札幌　太郎", "", "011-555-6666", "090-1234-5678", "R5", "第3期",
                         "R5.6.30", "100"],
            ["A002", "別の　人", "", "011-777-8888", "", "", "", "", ""]]
    result = await import_file(database, settings, ImportRequest(
        write_csv(tmp_path / "list.csv", rows), "hoikuryo", "2027-01", process=False))
    assert (result.imported, result.rejected, result.targets) == (5, 1, 3)
    assert await rows_of(database, "SELECT number FROM target_phones p JOIN targets t ON "
                                   "t.id = p.target_id WHERE t.ref = 'A001' ORDER BY position") == [
        ("0112223333",), ("09012345678",), ("0115556666",)]
    assert result.errors_file is not None
    assert "7,氏名,***,管理番号 already used with another 氏名 (row 4)" in (
        result.errors_file.read_text(encoding="utf-8-sig"))
