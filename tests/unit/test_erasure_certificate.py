"""The erasure certificate: what the final scan looks for, and a text that names no one."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dialer.domain.erasure import (
    BatchLine,
    Certificate,
    DebtTypeCounts,
    Finding,
    ScanReport,
    Values,
    by_debt_type,
    needles,
    render,
)

VALUES = Values(names=frozenset({"札幌　太郎", "林"}), kana=frozenset({"サッポロ タロウ"}),
                phones=frozenset({"09012345678", "0112223333"}),
                notes=frozenset({"来週納付", "来週の月曜日に窓口で全額納付すると約束"}))


def test_the_scan_looks_for_every_value_in_utf8_and_cp932_and_numbers_in_both_shapes() -> None:
    found = needles(VALUES)
    for text in ("札幌　太郎", "サッポロ タロウ", "来週の月曜日に窓口で全額納付すると約束"):
        assert found[text.encode("utf-8")] == found[text.encode("cp932")]
    assert found[b"09012345678"] == found[b"090-1234-5678"] == "phone"
    assert found[b"011-222-3333"] == "phone"
    # too short to prove anything: a one-character name, a four-character note
    assert "林".encode() not in found and "来週納付".encode() not in found
    assert len(VALUES) == 7


def test_counts_are_summed_per_debt_type() -> None:
    rows = by_debt_type([DebtTypeCounts("rojin", 1, 2), DebtTypeCounts("hoikuryo", 1, 5),
                         DebtTypeCounts("rojin", 1, 3, calls=4)])
    assert [(r.debt_type, r.batches, r.targets, r.calls) for r in rows] == [
        ("hoikuryo", 1, 5, 0), ("rojin", 2, 5, 4)]


def certificate(findings: tuple[Finding, ...] = ()) -> Certificate:
    return Certificate(
        number="ER-20270401-100000-abcdef", centre="札幌市電話納付案内センター",
        issued_at=datetime(2027, 4, 1, 1, 0, tzinfo=UTC), issued_by="kanri",
        issued_by_name="管理者", scope="all / 全件",
        batches=(BatchLine(1, "hoikuryo", "2027-01", "ab" * 32),),
        by_debt_type=(DebtTypeCounts("hoikuryo", 1, 2, 3, 4, 0, 5, 1),),
        other_rows={"emergencies": 1}, files={"recordings": 1, "outbox": 2},
        methods=("database: VACUUM",), kept=("accounts",),
        scan=ScanReport(("/data/c.sqlite3",), 3, 4096, len(VALUES), len(needles(VALUES)),
                        findings))


def test_the_certificate_says_what_how_when_and_who_and_names_no_resident() -> None:
    text = render(certificate(), ZoneInfo("Asia/Tokyo"), {"hoikuryo": "保育所等保育料"})
    assert "ER-20270401-100000-abcdef" in text and "2027-04-01 10:00:00 JST" in text
    assert "管理者 (kanri)" in text and "保育所等保育料 (hoikuryo): 一括/batches 1" in text
    assert "架電先/targets 2" in text and "sha256 " + "ab" * 32 in text
    assert "PASSED" in text and "database: VACUUM" in text and "検出 / found: 0" in text
    for value in ("札幌　太郎", "サッポロ", "0901234", "090-1234", "011-222", "窓口"):
        assert value not in text


def test_a_failed_scan_says_where_and_which_kind_never_the_value() -> None:
    cert = certificate((Finding("/data/outbox/r.xlsx [xl/sharedStrings.xml]", ("name",)),))
    text = render(cert, ZoneInfo("Asia/Tokyo"), {})
    assert not cert.ok and "FAILED" in text
    assert "/data/outbox/r.xlsx [xl/sharedStrings.xml]: 氏名" in text
