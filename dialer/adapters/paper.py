"""The paper fallback list (SPEC §9(6)): a print-ready HTML document and a CSV of a call list.

Written under ``DATA_DIR/exports/`` (the data server), readable by the owner only; each target
on a line with its numbers in full (the list is for dialing by hand), blank columns for the
time, the result code and notes, one page group per operator. Excluded targets are not on it.
The CSV with 日時 and 結果 filled in (a row per call) is a file ``dialer results import`` takes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import jinja2

from dialer.adapters.report_files import csv_writer
from dialer.domain import phone

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSV_HEADER = ("順番", "管理番号", "氏名", "氏名カナ", "電話番号1", "電話番号2", "電話番号3",
              "金額合計", "最早納期限", "件数", "架電回数", "担当", "日時", "結果", "メモ")
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Sheet:
    centre: str
    batch: Any  # dialer.adapters.db.batches.BatchInfo
    entries: Sequence[Any]  # dialer.services.intake.calllist.Entry
    generated_at: datetime
    generated_by: str
    debt_type_name: str = ""

    @property
    def file_stem(self) -> str:
        stamp = self.generated_at.astimezone(TOKYO).strftime("%Y%m%d-%H%M%S")
        return f"calllist-batch{self.batch.id}-{self.batch.debt_type}-{self.batch.month}-{stamp}"


def write(sheet: Sheet, directory: Path, formats: Sequence[str]) -> list[Path]:
    written: list[Path] = []
    writers = {"html": _write_html, "csv": _write_csv}
    for fmt in formats:
        path = directory / f"{sheet.file_stem}.{fmt}"
        with _private(path, "utf-8-sig" if fmt == "csv" else "utf-8") as out:
            writers[fmt](sheet, out)
        written.append(path)
    return written


def remove_exports(directory: Path, batch_id: int) -> int:
    """Delete the exported lists of a batch (when the batch is deleted); how many there were."""
    found = list(directory.glob(f"calllist-batch{batch_id}-*")) if directory.is_dir() else []
    for path in found:
        path.unlink(missing_ok=True)
    return len(found)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _private(path: Path, encoding: str) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding=encoding, newline="") as out:
        yield out


def _write_csv(sheet: Sheet, out: IO[str]) -> None:
    writer = csv_writer(out)
    writer.writerow(CSV_HEADER)
    for e in sheet.entries:
        numbers = [phone.display(n) for n in e.phones[:3]]
        writer.writerow((e.position, e.ref, e.name, e.kana or "",
                         *(numbers + [""] * (3 - len(numbers))),
                         "" if e.total_amount is None else e.total_amount,
                         e.earliest_due or "", e.debts, e.attempts, e.operator or "", "", "",
                         ""))


def _write_html(sheet: Sheet, out: IO[str]) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    groups = [(operator or "未割当", list(rows)) for operator, rows in
              groupby(sorted(sheet.entries, key=lambda e: (e.operator or "~", e.position)),
                      key=lambda e: e.operator)]
    out.write(env.get_template("paper_calllist.html.j2").render(
        sheet=sheet, groups=groups, display=phone.display,
        generated=sheet.generated_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")))
