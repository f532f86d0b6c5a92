"""Fictitious residents for the demo (no real data): a CP932 file the demo imports like the
city's, with numbers whose last digit chooses how the simulated resident behaves
(see dialer/pbx/sipp/residents.xml)."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path

FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
GIVEN = ("太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "由美", "大輔", "恵")
HEADER = ["管理番号", "氏名", "氏名カナ", "電話番号", "携帯電話番号", "年度", "期別", "納期限",
          "金額"]
# Behaviour mix by last digit: 4/5/0 talk, 1 busy, 2 no answer, 3 not in service.
BEHAVIOURS = "4450012345004"


def demo_rows(count: int, seed: int, due: date) -> list[list[str]]:
    rng = random.Random(seed)  # noqa: S311 - fictitious data, not security
    rows = []
    for n in range(1, count + 1):
        last = rng.choice(BEHAVIOURS)
        mobile = f"090-{rng.randrange(1000, 9999)}-{rng.randrange(100, 999)}{last}"
        rows.append([f"D{n:05d}", f"{rng.choice(FAMILY)}　{rng.choice(GIVEN)}", "", "",
                     mobile, "R6", str(rng.randrange(1, 9)),
                     (due - timedelta(days=rng.randrange(30, 200))).isoformat(),
                     str(rng.randrange(3, 60) * 1000)])
    return rows


def write_demo_file(path: Path, count: int = 60, seed: int = 2027,
                    due: date = date(2026, 12, 31)) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(demo_rows(count, seed, due))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue().encode("cp932"))
    return path
