"""Talk scripts, Q&A sets and the business manual (トークスクリプト, Q&A集, 業務マニュアル,
SPEC §10, §11(2)) as versioned documents.

Operators follow the script, the Q&A and the manual the city approved, and starting or revising
any of them needs the city's approval; a campaign for a debt type opens only when all three are
approved for it (``missing_for``). So each is a series of versions per kind and scope (a debt type
code, or ``*`` for every debt type): a new version is a draft until a manager records the
city's approval (who at the city, when, the city's reference); operators only ever see the
newest approved version — of their debt type's own series if it has one, else of the ``*``
series — never a draft. Every version is kept.

The pure part: the rules, the Q&A search and the reading of a Q&A source file. No I/O here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

SCRIPT = "script"
QA = "qa"
MANUAL = "manual"  # 業務マニュアル: text like a script, read by operators from the console
KINDS = (SCRIPT, QA, MANUAL)
TEXT_KINDS = (SCRIPT, MANUAL)  # a body of text; a Q&A set has entries instead
ALL = "*"  # the scope of a version meant for every debt type
KIND_LABELS = {SCRIPT: "トークスクリプト", QA: "Q&A集", MANUAL: "業務マニュアル"}

MAX_TITLE = 200  # the columns' sizes
MAX_APPROVER = 100
MAX_REF = 100

QUESTION_HEADERS = ("質問", "question", "q")
ANSWER_HEADERS = ("回答", "answer", "a")
_REPORTED_ROWS = 5  # bad rows named in one error message


class DocumentError(ValueError):
    """A request about a document that cannot be done; the message says why."""


class ApprovalRefused(DocumentError):
    pass


class QaFileError(DocumentError):
    """The Q&A source file cannot be read; the message names the rows."""


@dataclass(frozen=True)
class QaEntry:
    """One question and its answer; a Q&A version keeps its entries in order."""

    question: str
    answer: str


@dataclass(frozen=True)
class DocumentVersion:
    id: int
    kind: str
    scope: str
    version: int
    title: str
    body: str  # the script's text; empty for a Q&A set, whose entries are below
    created_by: str
    created_at: datetime
    approved_by: str | None = None  # the city's approver
    approved_at: datetime | None = None
    approval_ref: str | None = None  # the city's reference
    recorded_by: str | None = None  # the manager who recorded the approval
    entries: tuple[QaEntry, ...] = ()

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    @property
    def state(self) -> str:
        return "approved" if self.approved else "draft"


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise DocumentError(f"kind must be {' or '.join(KINDS)}, not {kind!r}")
    return kind


def check_new(kind: str, title: str, body: str, entries: Sequence[QaEntry]) -> str:
    """Refuse an empty or malformed new version; the title, trimmed."""
    check_kind(kind)
    title = title.strip()
    if not title:
        raise DocumentError("the title is empty")
    if len(title) > MAX_TITLE:
        raise DocumentError(f"the title is longer than {MAX_TITLE} characters")
    if kind in TEXT_KINDS:
        if entries:
            raise DocumentError(f"a {kind} has no Q&A entries")
        if not body.strip():
            raise DocumentError(f"the {kind} is empty")
    else:
        if not entries:
            raise DocumentError("a Q&A set needs at least one question")
        for n, entry in enumerate(entries, start=1):
            if not entry.question.strip() or not entry.answer.strip():
                raise DocumentError(f"Q&A entry {n}: the question and the answer are required")
    return title


def next_version(existing: Iterable[DocumentVersion], kind: str, scope: str) -> int:
    """The number the next version of ``kind`` for ``scope`` gets: one more than the highest."""
    return 1 + max((d.version for d in existing if d.kind == kind and d.scope == scope),
                   default=0)


def approve(document: DocumentVersion, approver: str, at: datetime, ref: str,
            recorded_by: str, now: datetime,
            siblings: Iterable[DocumentVersion] = ()) -> DocumentVersion:
    """``document`` with the city's approval recorded, or ``ApprovalRefused``.

    Only a draft is approved; the city's approver and reference are required; the approval
    cannot be dated in the future (it may predate the draft's entry: the city often approves
    a text before it is typed in). ``siblings`` (other versions of the same kind and scope)
    let a draft older than an approved version be refused: operators would never see it.
    """
    if document.approved:
        raise ApprovalRefused(
            f"{_name(document)} was approved already ({document.approved_by}, "
            f"{document.approval_ref})")
    approver, ref = approver.strip(), ref.strip()
    if not approver:
        raise ApprovalRefused("the city's approver is required")
    if not ref:
        raise ApprovalRefused("the city's reference is required")
    if len(approver) > MAX_APPROVER or len(ref) > MAX_REF:
        raise ApprovalRefused(f"the approver and the reference are at most {MAX_REF} characters")
    if at.tzinfo is None or now.tzinfo is None:
        raise ApprovalRefused("the approval time needs a time zone")
    if at > now:
        raise ApprovalRefused(f"the approval time {at:%Y-%m-%d %H:%M} is in the future")
    newer = [s.version for s in siblings if s.kind == document.kind
             and s.scope == document.scope and s.approved and s.version > document.version]
    if newer:
        raise ApprovalRefused(
            f"{_name(document)} is older than the approved version {max(newer)}: "
            "operators would never see it")
    return replace(document, approved_by=approver, approved_at=at, approval_ref=ref,
                   recorded_by=recorded_by)


def visible(versions: Iterable[DocumentVersion], kind: str,
            debt_type: str) -> DocumentVersion | None:
    """What an operator working on ``debt_type`` sees: the newest approved version of that
    debt type's own series, else the newest approved ``*`` version; never a draft."""
    approved = [d for d in versions if d.kind == kind and d.approved]
    for scope in (debt_type, ALL):
        own = [d for d in approved if d.scope == scope]
        if own:
            return max(own, key=lambda d: d.version)
    return None


def missing_for(versions: Iterable[DocumentVersion], debt_type: str) -> list[str]:
    """The kinds (in ``KINDS`` order) with no approved version an operator on ``debt_type``
    would see: a campaign for it may open only when this is empty (SPEC §10, §11(2))."""
    seen = list(versions)
    return [kind for kind in KINDS if visible(seen, kind, debt_type) is None]


def missing_refusal(missing: Sequence[str], debt_type: str) -> str:
    """Why a campaign may not open, naming what is missing ("" when nothing is)."""
    if not missing:
        return ""
    names = ", ".join(f"{KIND_LABELS[k]} ({k})" for k in missing)
    return f"no approved {names} for {debt_type}: the city's approval must be recorded first"


def search(entries: Sequence[QaEntry], query: str) -> list[QaEntry]:
    """The entries whose question or answer contains every word of ``query``, in order.

    Case-insensitive, full-width and half-width forms alike (NFKC), hiragana and katakana
    alike; an empty query returns every entry.
    """
    words = fold(query).split()
    if not words:
        return list(entries)
    found = []
    for entry in entries:
        text = fold(entry.question) + "\n" + fold(entry.answer)
        if all(word in text for word in words):
            found.append(entry)
    return found


_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_KATAKANA.update({0x30FD: 0x309D, 0x30FE: 0x309E})


def fold(text: str) -> str:
    """``text`` as search compares it: NFKC, case-folded, katakana as hiragana."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA)


def decode_text(data: bytes) -> str:
    """A script or manual file: UTF-8 with or without a BOM, line ends as ``\\n``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"the file is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise DocumentError("the file is not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 (BOM or not), else CP932."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise QaFileError("the Q&A file is neither UTF-8 nor CP932 (Shift_JIS) text")


def parse_qa(data: bytes) -> tuple[QaEntry, ...]:
    """The entries of a Q&A source file: a CSV with a header row naming the columns 質問 (or
    question) and 回答 (or answer); other columns are ignored, blank rows skipped. Row numbers
    in errors count the header as row 1, as a spreadsheet shows them."""
    text, _encoding = decode_csv(data)
    if "\x00" in text:
        raise QaFileError("the Q&A file is not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(n, row) for n, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise QaFileError(f"row {reader.line_num}: not valid CSV ({exc})") from None
    rows = [(n, row) for n, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise QaFileError("the Q&A file is empty: a header row (質問, 回答) is required")
    header_row, header = rows[0]
    question_at = _column(header, QUESTION_HEADERS, header_row)
    answer_at = _column(header, ANSWER_HEADERS, header_row)
    entries: list[QaEntry] = []
    problems: list[str] = []
    for n, row in rows[1:]:
        question = _cell(row, question_at)
        answer = _cell(row, answer_at)
        missing = [label for label, value in (("質問", question), ("回答", answer)) if not value]
        if missing:
            problems.append(f"row {n}: {' and '.join(missing)} empty")
        else:
            entries.append(QaEntry(question, answer))
    if problems:
        shown = "; ".join(problems[:_REPORTED_ROWS])
        more = len(problems) - _REPORTED_ROWS
        rows_word = "row" if len(problems) == 1 else "rows"
        raise QaFileError(f"{len(problems)} bad {rows_word} in the Q&A file: {shown}"
                          + (f"; and {more} more" if more > 0 else ""))
    if not entries:
        raise QaFileError("the Q&A file has a header but no questions")
    return tuple(entries)


def read_source(kind: str, data: bytes) -> tuple[str, tuple[QaEntry, ...]]:
    """A new version's (body, entries) from its source file: the script's or the manual's
    text, or the Q&A CSV."""
    if check_kind(kind) in TEXT_KINDS:
        return decode_text(data), ()
    return "", parse_qa(data)


def _column(header: list[str], names: tuple[str, ...], row: int) -> int:
    wanted = {fold(name) for name in names}
    found = [i for i, cell in enumerate(header) if fold(cell).strip() in wanted]
    if len(found) != 1:
        what = "no" if not found else "more than one"
        raise QaFileError(f"row {row}: {what} column {names[0]} ({names[1]}) in the header; "
                          "the first row must name the columns 質問 and 回答")
    return found[0]


_SPACE = re.compile(r"[ \t]+\n")


def _cell(row: list[str], index: int) -> str:
    value = row[index] if index < len(row) else ""
    return _SPACE.sub("\n", value.replace("\r\n", "\n")).strip()


def _name(document: DocumentVersion) -> str:
    return f"{KIND_LABELS.get(document.kind, document.kind)} {document.scope} " \
           f"v{document.version} (#{document.id})"
