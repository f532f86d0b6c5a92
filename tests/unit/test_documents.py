"""Talk scripts and Q&A sets, the pure rules: versions, approval, what operators see, the Q&A
search and the Q&A source file."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dialer.domain import documents as rules
from dialer.domain.documents import (
    ALL,
    QA,
    SCRIPT,
    ApprovalRefused,
    DocumentError,
    DocumentVersion,
    QaEntry,
    QaFileError,
)

NOW = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)


def version(n: int, scope: str = "hoikuryo", kind: str = SCRIPT, approved: bool = False,
            doc_id: int | None = None) -> DocumentVersion:
    doc = DocumentVersion(doc_id or n, kind, scope, n, f"v{n}", "本文", "kanri",
                          NOW - timedelta(days=30))
    return replace(doc, approved_by="市", approved_at=NOW - timedelta(days=n),
                   approval_ref=f"R-{n}", recorded_by="kanri") if approved else doc


# versions


def test_the_next_version_counts_within_its_kind_and_scope() -> None:
    existing = [version(1), version(2), version(1, "rojin"), version(4, kind=QA)]
    assert rules.next_version(existing, SCRIPT, "hoikuryo") == 3
    assert rules.next_version(existing, SCRIPT, "rojin") == 2
    assert rules.next_version(existing, QA, "hoikuryo") == 5
    assert rules.next_version(existing, SCRIPT, ALL) == 1
    assert rules.next_version([], QA, ALL) == 1


def test_a_new_version_needs_a_title_and_content() -> None:
    assert rules.check_new(SCRIPT, "  台本  ", "こんにちは", ()) == "台本"
    with pytest.raises(DocumentError, match="title is empty"):
        rules.check_new(SCRIPT, " ", "こんにちは", ())
    with pytest.raises(DocumentError, match="script is empty"):
        rules.check_new(SCRIPT, "台本", " \n", ())
    with pytest.raises(DocumentError, match="at least one question"):
        rules.check_new(QA, "Q&A", "", ())
    with pytest.raises(DocumentError, match="entry 2"):
        rules.check_new(QA, "Q&A", "", (QaEntry("a", "b"), QaEntry("c", " ")))
    with pytest.raises(DocumentError, match="kind must be"):
        rules.check_new("memo", "x", "y", ())
    with pytest.raises(DocumentError, match="longer than 200"):
        rules.check_new(SCRIPT, "x" * 201, "y", ())


def test_a_draft_is_a_draft_until_approved() -> None:
    draft = version(1)
    assert (draft.approved, draft.state) == (False, "draft")
    approved = rules.approve(draft, " 札幌市 納税課 ", NOW, " R-7 ", "kanri", NOW)
    assert (approved.approved, approved.state) == (True, "approved")
    assert (approved.approved_by, approved.approval_ref, approved.recorded_by,
            approved.approved_at) == ("札幌市 納税課", "R-7", "kanri", NOW)
    assert draft.approved_at is None  # the draft itself is unchanged


# approval


def test_only_a_draft_is_approved() -> None:
    with pytest.raises(ApprovalRefused, match="approved already"):
        rules.approve(version(1, approved=True), "市", NOW, "R", "kanri", NOW)


@pytest.mark.parametrize(("approver", "ref", "problem"), [
    ("", "R-1", "approver is required"),
    ("  ", "R-1", "approver is required"),
    ("市", "", "reference is required"),
    ("市", " \t", "reference is required"),
    ("市" * 101, "R", "at most 100"),
])
def test_approval_needs_the_citys_approver_and_reference(approver: str, ref: str,
                                                        problem: str) -> None:
    with pytest.raises(ApprovalRefused, match=problem):
        rules.approve(version(1), approver, NOW, ref, "kanri", NOW)


def test_approval_is_never_dated_in_the_future() -> None:
    with pytest.raises(ApprovalRefused, match="in the future"):
        rules.approve(version(1), "市", NOW + timedelta(minutes=1), "R", "kanri", NOW)
    with pytest.raises(ApprovalRefused, match="time zone"):
        rules.approve(version(1), "市", datetime(2027, 1, 1), "R", "kanri", NOW)
    assert rules.approve(version(1), "市", NOW, "R", "kanri", NOW).approved_at == NOW
    earlier = NOW - timedelta(days=60)  # before the draft was typed in: allowed
    assert rules.approve(version(1), "市", earlier, "R", "kanri", NOW).approved_at == earlier


def test_a_draft_older_than_an_approved_version_is_refused() -> None:
    siblings = [version(1), version(2, approved=True), version(3)]
    with pytest.raises(ApprovalRefused, match="older than the approved version 2"):
        rules.approve(siblings[0], "市", NOW, "R", "kanri", NOW, siblings)
    assert rules.approve(siblings[2], "市", NOW, "R", "kanri", NOW, siblings).approved
    other_scope = [version(5, "rojin", approved=True, doc_id=50)]
    assert rules.approve(version(1), "市", NOW, "R", "kanri", NOW, other_scope).approved


# what operators see


def test_operators_see_the_newest_approved_version_never_a_draft() -> None:
    versions = [version(1, approved=True), version(2, approved=True), version(3)]
    seen = rules.visible(versions, SCRIPT, "hoikuryo")
    assert seen is not None and seen.version == 2
    assert rules.visible([version(1), version(2)], SCRIPT, "hoikuryo") is None
    assert rules.visible([], SCRIPT, "hoikuryo") is None


def test_a_debt_types_own_series_comes_before_the_common_one() -> None:
    common = [version(1, ALL, approved=True, doc_id=11), version(2, ALL, approved=True,
                                                                 doc_id=12)]
    own = [version(1, "hoikuryo", approved=True, doc_id=21), version(2, "hoikuryo", doc_id=22)]
    seen = rules.visible(common + own, SCRIPT, "hoikuryo")
    assert seen is not None and seen.id == 21
    seen = rules.visible(common + own, SCRIPT, "rojin")
    assert seen is not None and seen.id == 12
    only_draft_own = [version(1, "rojin", doc_id=31)]
    seen = rules.visible(common + only_draft_own, SCRIPT, "rojin")
    assert seen is not None and seen.id == 12  # a draft never hides the approved common one
    assert rules.visible(common, QA, "rojin") is None  # other kind


# search

ENTRIES = (
    QaEntry("納付書をなくしました", "担当課から再送付します"),
    QaEntry("口座振替にしたい", "申込書をお送りします"),
    QaEntry("支払い方法は？", "コンビニエンスストアでお支払いいただけます"),
    QaEntry("Is this a SCAM?", "No: the city asked us to call."),
    QaEntry("電話番号は 011-211-0000 ですか", "はい"),
)


@pytest.mark.parametrize(("query", "expected"), [
    ("納付書", [0]),
    ("します", [0, 1]),  # the answer counts too
    ("scam", [3]),  # case-insensitive
    ("ＳＣＡＭ", [3]),  # full-width
    ("ｺﾝﾋﾞﾆ", [2]),  # half-width katakana
    ("こんびに", [2]),  # hiragana finds katakana
    ("コウザ", []),  # kanji are not readings
    ("のうふしょ", []),
    ("０１１－２１１", [4]),  # full-width digits and dash
    ("口座　申込", [1]),  # every word, full-width space
    ("口座 コンビニ", []),
    ("", [0, 1, 2, 3, 4]),
    ("   ", [0, 1, 2, 3, 4]),
])
def test_qa_search(query: str, expected: list[int]) -> None:
    assert rules.search(ENTRIES, query) == [ENTRIES[i] for i in expected]


def test_search_does_not_match_across_question_and_answer() -> None:
    assert rules.search([QaEntry("abc", "def")], "cd") == []


def test_fold_makes_variants_alike() -> None:
    assert rules.fold("ｶﾀｶﾅ ＡＢＣ") == rules.fold("かたかな abc") == "かたかな abc"


# the Q&A source file

CSV = ("質問,回答\r\n納付書がない,再送付します\r\n"
       "\"複数行の\n質問\",\"はい、\"\"承知\"\"しました\"\r\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_qa_file_in_each_encoding(encoding: str) -> None:
    assert rules.parse_qa(CSV.encode(encoding)) == (
        QaEntry("納付書がない", "再送付します"),
        QaEntry("複数行の\n質問", "はい、\"承知\"しました"))


def test_english_headers_other_columns_and_blank_rows() -> None:
    data = "No,Answer,分類,Question\n1,A1,x,Q1\n,,,\n2, A2 ,y, Q2 \n".encode()
    assert rules.parse_qa(data) == (QaEntry("Q1", "A1"), QaEntry("Q2", "A2"))
    assert rules.parse_qa("ＱＵＥＳＴＩＯＮ,回答\nq,a\n".encode()) == (QaEntry("q", "a"),)


def test_bad_rows_are_named_by_their_row_number() -> None:
    data = "質問,回答\nq1,a1\n,a2\nq3,\nq4,a4\nq5\n".encode()
    with pytest.raises(QaFileError) as refused:
        rules.parse_qa(data)
    assert str(refused.value) == ("3 bad rows in the Q&A file: row 3: 質問 empty; "
                                  "row 4: 回答 empty; row 6: 回答 empty")
    assert isinstance(refused.value, ValueError)


def test_many_bad_rows_are_summed_up() -> None:
    data = ("質問,回答\n" + ",x\n" * 8).encode()
    with pytest.raises(QaFileError, match=r"8 bad rows .* row 6: 質問 empty; and 3 more$"):
        rules.parse_qa(data)


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "empty"),
    (b"\r\n\r\n", "empty"),
    ("番号,内容\n1,x\n".encode(), "row 1: no column 質問"),
    ("質問,回答,question\nq,a,q\n".encode(), "row 1: more than one column 質問"),
    ("質問,答え\nq,a\n".encode(), "no column 回答"),
    ("質問,回答\n".encode(), "no questions"),
    (b"\x81\xff\xfe\x00", "neither UTF-8 nor CP932"),
    ("質問,回答\nq,a\x00\n".encode(), "not a CSV text file"),
])
def test_files_that_are_not_a_qa_set(data: bytes, problem: str) -> None:
    with pytest.raises(QaFileError, match=problem):
        rules.parse_qa(data)


def test_a_script_source_is_utf8_text() -> None:
    assert rules.read_source(SCRIPT, "\ufeff# 台本\r\nこんにちは\r\n".encode()) == (
        "# 台本\nこんにちは\n", ())
    with pytest.raises(DocumentError, match="not UTF-8"):
        rules.read_source(SCRIPT, "台本".encode("cp932"))
    assert rules.read_source(QA, "質問,回答\nq,a\n".encode()) == ("", (QaEntry("q", "a"),))
