"""The erasure certificate (抹消証明書, SPEC "Erasure", §14(10)): what was erased, how, when, by
whom, and the check that a fresh byte scan finds none of the erased values.

Pure: facts in, the certificate's text out. The certificate holds no personal data: counts per
debt type, the batches' ids, months and source-file sha256 (a hash of a whole file cannot be
turned back into its rows), the places scanned and — if the scan found anything — only *where*
and *which kind* (name, kana, phone number, note), never the value.

What the scan looks for (``needles``): every erased target's name and kana, every phone number
(canonical digits and the usual hyphenated form), and every call note or emergency description
of ``MIN_TEXT`` characters or more (shorter texts such as 不在 also occur in scripts and labels,
so they cannot prove anything); each in UTF-8 and in CP932, the encodings the centre writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from dialer.domain import phone

MIN_NAME = 2
MIN_TEXT = 10
ENCODINGS = ("utf-8", "cp932")
KIND_LABELS = {"name": "氏名", "kana": "氏名カナ", "phone": "電話番号", "note": "メモ・記録"}


@dataclass(frozen=True)
class Values:
    """The personal values being erased (held in memory only, for the scan)."""

    names: frozenset[str] = frozenset()
    kana: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()  # canonical digits
    notes: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.names) + len(self.kana) + len(self.phones) + len(self.notes)

    def minus(self, kept: Values) -> Values:
        """These values without those the data that stays also holds (the same person in
        another debt type's batch, a shared family number): those are rightly still there,
        so the scan cannot look for them."""
        return Values(self.names - kept.names, self.kana - kept.kana,
                      self.phones - kept.phones, self.notes - kept.notes)


def needles(values: Values) -> dict[bytes, str]:
    """The byte strings to search for, each with its kind."""
    found: dict[bytes, str] = {}
    texts = ([(v, "name", MIN_NAME) for v in values.names]
             + [(v, "kana", MIN_NAME) for v in values.kana]
             + [(v, "note", MIN_TEXT) for v in values.notes])
    for text, kind, shortest in texts:
        text = text.strip()
        if len(text) >= shortest:
            _add(found, text, kind)
    for number in values.phones:
        _add(found, number, "phone")
        try:
            _add(found, phone.display(number), "phone")
        except ValueError:  # a number that was never valid: the digits are searched
            pass
    return found


def _add(found: dict[bytes, str], text: str, kind: str) -> None:
    for encoding in ENCODINGS:
        try:
            found.setdefault(text.encode(encoding), kind)
        except UnicodeEncodeError:
            continue


@dataclass(frozen=True)
class BatchLine:
    id: int
    debt_type: str
    month: str
    sha256: str


@dataclass
class DebtTypeCounts:
    debt_type: str
    batches: int = 0
    targets: int = 0
    phones: int = 0
    debts: int = 0
    exclusions: int = 0
    calls: int = 0
    notes: int = 0

    def add(self, other: DebtTypeCounts) -> None:
        for name in ("batches", "targets", "phones", "debts", "exclusions", "calls", "notes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Finding:
    location: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class ScanReport:
    locations: tuple[str, ...]  # the files and folders scanned
    files: int
    bytes: int
    values: int  # distinct values searched for
    needles: int  # byte strings (values × encodings and forms)
    findings: tuple[Finding, ...] = ()
    shared: int = 0  # erased values that data kept also holds (not searched for)


@dataclass(frozen=True)
class Certificate:
    number: str
    centre: str
    issued_at: datetime
    issued_by: str
    issued_by_name: str
    scope: str  # "all", or "batch 3"
    batches: tuple[BatchLine, ...]
    by_debt_type: tuple[DebtTypeCounts, ...]
    other_rows: Mapping[str, int]
    files: Mapping[str, int]
    methods: tuple[str, ...]
    kept: tuple[str, ...]
    scan: ScanReport
    notes: tuple[str, ...] = field(default=())
    # Places that may still hold the erased data and that this erasure could not check (the
    # PostgreSQL server's files and WAL, backups it did not destroy): said plainly, never PASSED.
    unverified: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.scan.findings


def by_debt_type(rows: Iterable[DebtTypeCounts]) -> tuple[DebtTypeCounts, ...]:
    """Batch-level counts summed per debt type, ordered by code."""
    totals: dict[str, DebtTypeCounts] = {}
    for row in rows:
        totals.setdefault(row.debt_type, DebtTypeCounts(row.debt_type)).add(row)
    return tuple(totals[k] for k in sorted(totals))


_COUNT_LABELS = (("batches", "一括/batches"), ("targets", "架電先/targets"),
                 ("phones", "電話番号/numbers"), ("debts", "債権明細/debts"),
                 ("exclusions", "除外/exclusions"), ("calls", "架電記録/calls"),
                 ("notes", "通話メモ/notes"))


def render(cert: Certificate, tz: ZoneInfo, debt_names: Mapping[str, str]) -> str:
    """The certificate as a plain UTF-8 document (print it, sign it, send it to the city)."""
    at = cert.issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
    lines = [
        "抹消証明書 / Certificate of erasure of personal data",
        "=" * 60,
        f"証明書番号 / number:        {cert.number}",
        f"センター / centre:          {cert.centre}",
        f"実施日時 / erased at:       {at}",
        f"実施者 / erased by:         {cert.issued_by_name} ({cert.issued_by})",
        f"範囲 / scope:               {cert.scope}",
        "確認結果 / verification:    " + _verdict(cert),
        "",
        "1. 抹消した個人情報（債権別件数） / personal data erased, per debt type",
    ]
    lines += _count_table(cert.by_debt_type, debt_names)
    lines += ["", "   一括（取込ファイル） / batches (source file sha256):"]
    lines += [f"   - {b.id}: {debt_names.get(b.debt_type, b.debt_type)} {b.month} "
              f"sha256 {b.sha256}" for b in cert.batches] or ["   - なし / none"]
    lines += ["", "   その他の記録 / other records:"]
    lines += [f"   - {k}: {v}" for k, v in cert.other_rows.items()]
    lines += ["", "   ファイル / files destroyed:"]
    lines += [f"   - {k}: {v}" for k, v in cert.files.items()]
    lines += ["", "2. 方法 / method"] + [f"   - {m}" for m in cert.methods]
    lines += ["", "3. 残したもの（個人情報を含まない） / kept (no residents' personal data)"]
    lines += [f"   - {k}" for k in cert.kept]
    lines += ["", "4. 確認 / verification (byte scan after erasure)"]
    lines += _scan_lines(cert.scan)
    if cert.unverified:
        lines += ["", "5. 未確認の場所 / NOT verified (may still hold the erased data)"]
        lines += [f"   - {u}" for u in cert.unverified]
    if cert.notes:
        lines += ["", "6. 備考 / notes"] + [f"   - {n}" for n in cert.notes]
    lines += ["", "本証明書には個人情報（氏名・電話番号等）を含みません。",
              "This certificate holds no personal data (counts, ids and hashes only).",
              "", "署名 / signature: ______________________   日付 / date: ____________", ""]
    return "\n".join(lines)


def _verdict(cert: Certificate) -> str:
    if not cert.ok:
        return "不合格 — 下記の場所で検出 / FAILED: found at the places below"
    if cert.unverified:
        return ("走査範囲では検出なし・一部未確認（5.参照） / none found where scanned; "
                "NOT VERIFIED everywhere (see 5)")
    return "合格 — 抹消した値は検出されませんでした / PASSED: none of the erased values found"


def _count_table(rows: Sequence[DebtTypeCounts], names: Mapping[str, str]) -> list[str]:
    if not rows:
        return ["   - なし / none"]
    return [f"   - {names.get(r.debt_type, r.debt_type)} ({r.debt_type}): "
            + ", ".join(f"{label} {getattr(r, name)}" for name, label in _COUNT_LABELS)
            for r in rows]


def _scan_lines(scan: ScanReport) -> list[str]:
    lines = [f"   検索した値 / values searched: {scan.values} "
             f"({scan.needles} byte strings: UTF-8 and CP932; names, kana, phone numbers, "
             f"notes of {MIN_TEXT}+ characters)",
             f"   対象外 / not searched: {scan.shared} values also held by data that stays "
             f"(the same name or number in another batch)",
             f"   走査 / scanned: {scan.files} files, {scan.bytes} bytes "
             f"(ZIP members such as .xlsx decompressed)",
             "   場所 / places:"]
    lines += [f"   - {loc}" for loc in scan.locations]
    if scan.findings:
        lines += ["   検出 / FOUND (kind only, never the value):"]
        lines += [f"   - {f.location}: {', '.join(KIND_LABELS.get(k, k) for k in f.kinds)}"
                  for f in scan.findings]
    else:
        lines += ["   検出 / found: 0"]
    return lines
