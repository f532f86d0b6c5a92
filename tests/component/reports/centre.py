"""A centre for the report tests: two debt types imported from CP932 files, three operators,
random calls over three days (boundaries included), call notes, exclusions, callers on the
dedicated number — and the test's own record of all of it, from which every figure of the
reports is counted independently (plain Python over that record, no SQL, no report code)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import (
    Attempt,
    CallNote,
    Exclusion,
    InboundCallRecord,
    Target,
    User,
)
from dialer.config import Settings
from dialer.domain.outcomes import Classification
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import write_csv

TOKYO = ZoneInfo("Asia/Tokyo")
TABLE = Classification()
CONTACT = {c.code for c in TABLE.codes if c.contact}
MARK = {c.code: str(c.mark) for c in TABLE.codes}
LABEL = {c.code: c.label for c in TABLE.codes}
DAY = date(2027, 1, 12)  # a Tuesday in both debt types' calling periods
PERIODS = """
[paths]
data_dir = "data"
outbox_dir = "outbox"

[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]

[[periods]]
debt_type = "kyushoku"
month = "2027-01"
calling = ["2027-01-04", "2027-01-15"]
callback = ["2027-01-04", "2027-01-22"]

[planned_calls]
hoikuryo = { "2027-01" = 150 }
"""
HEADER = ["管理番号", "氏名", "氏名カナ", "電話番号", "携帯電話番号", "年度", "期別", "納期限",
          "金額"]


def local(day: date, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=TOKYO)


@dataclass
class Person:
    debt_type: str
    ref: str
    name: str
    kana: str
    phones: list[str]  # canonical digits
    installments: list[str]
    amounts: list[int]
    dues: list[date]
    id: int = 0
    source_row: int = 0
    done: bool = False
    exclusions: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass
class Call:
    id: str
    person: Person
    direction: str
    code: str | None
    at: datetime
    operator: str
    note: str = ""
    escalation: bool = False
    complaint: bool = False
    voice: bool = False


@dataclass
class Centre:
    settings: Settings
    people: list[Person]
    calls: list[Call]
    inbound: list[tuple[datetime, str]]  # (started, end)
    operators: dict[str, int]

    def results_on(self, day: date) -> list[Call]:
        start = local(day, 0)
        end = start + timedelta(days=1)
        return [c for c in self.calls if c.code is not None and start <= c.at < end]


def _people(rnd: random.Random, debt_type: str, count: int, prefix: str) -> list[Person]:
    people = []
    for i in range(count):
        phones = [f"011{200 + i:03d}{1000 + i:04d}"]
        if i % 3 == 0:
            phones.append(f"090{1000 + i:04d}{2000 + i:04d}")
        periods = 1 + (i % 4 == 0)
        people.append(Person(
            debt_type, f"{prefix}{i:04d}", f"札幌　{prefix}{i}", f"サッポロ {prefix}{i}", phones,
            [f"第{k + 1}期" for k in range(periods)],
            [rnd.randrange(1000, 90000) for _ in range(periods)],
            [date(2026, 4 + k, 30) for k in range(periods)]))
    return people


def _file(path: Path, people: list[Person]) -> Path:
    rows = []
    for p in people:
        for k, installment in enumerate(p.installments):
            mobile = p.phones[1] if len(p.phones) > 1 else ""
            rows.append([p.ref, p.name, p.kana, p.phones[0], mobile, "2026",
                         installment, p.dues[k].isoformat(), str(p.amounts[k])])
    rnd = random.Random(len(rows))
    rnd.shuffle(rows)  # the list's order is the file's, whatever the 管理番号
    for p in people:  # as the file has them
        p.installments = [r[6] for r in rows if r[0] == p.ref]
    return write_csv(path, rows, "cp932", HEADER)


async def build(database: Database, settings: Settings, tmp: Path, seed: int = 11) -> Centre:
    rnd = random.Random(seed)
    people = _people(rnd, "hoikuryo", 40, "H") + _people(rnd, "kyushoku", 25, "K")
    for debt_type in ("hoikuryo", "kyushoku"):
        mine = [p for p in people if p.debt_type == debt_type]
        path = _file(tmp / f"list-{debt_type[0]}.csv", mine)
        await import_file(database, settings, ImportRequest(path, debt_type, "2027-01",
                                                            actor="test"))
    operators = await _operators(database)
    async with database.engine.begin() as conn:
        by_ref = {ref: (tid, row) for ref, tid, row in await conn.execute(
            select(Target.ref, Target.id, Target.source_row))}  # refs differ across batches
    for person in people:
        person.id, person.source_row = by_ref[person.ref]
    calls = _calls(rnd, people, operators)
    inbound = _inbound(rnd)
    await _store(database, rnd, people, calls, inbound, operators)
    return Centre(settings, people, calls, inbound, operators)


async def _operators(database: Database) -> dict[str, int]:
    async with database.engine.begin() as conn:
        for login in ("op1", "op2", "op3"):
            await conn.execute(insert(User).values(login=login, display_name=login,
                                                   role="operator"))
        return {login: uid for uid, login in await conn.execute(select(User.id, User.login))}


def _calls(rnd: random.Random, people: list[Person], operators: dict[str, int]) -> list[Call]:
    codes = [c.code for c in TABLE.codes]
    calls: list[Call] = []
    days = (DAY - timedelta(days=1), DAY, DAY + timedelta(days=1))
    for person in people:
        for n in range(rnd.randrange(0, 5)):
            day = rnd.choice(days)
            at = local(day, 11, 30) + timedelta(seconds=rnd.randrange(0, 9 * 3600))
            direction = "in" if rnd.random() < 0.15 else "out"
            code = None if rnd.random() < 0.05 else rnd.choice(codes)
            if direction == "in" and code is not None and code.startswith("S"):
                code = "106"
            calls.append(Call(f"{person.ref}-{n}", person, direction, code, at,
                              rnd.choice(list(operators)), *_note(rnd, code)))
    # the day's edges: its first instant counts, the next day's first instant does not
    first, second = people[0], people[1]
    calls.append(Call("edge-start", first, "out", "103", local(DAY, 0), "op1", "分納の相談"))
    calls.append(Call("edge-last", second, "out", "S02", local(DAY, 23, 59, 59, 999999), "op2"))
    calls.append(Call("edge-next", second, "out", "101", local(DAY + timedelta(days=1), 0),
                      "op2"))
    return calls


def _note(rnd: random.Random, code: str | None) -> tuple[str, bool, bool, bool]:
    if code is None or code.startswith("S") or rnd.random() < 0.3:
        return "", False, False, False
    escalation = rnd.random() < 0.2
    return (f"メモ{rnd.randrange(1000)}", escalation, rnd.random() < 0.15, rnd.random() < 0.2)


def _inbound(rnd: random.Random) -> list[tuple[datetime, str]]:
    ends = ["connected", "abandoned", "message", "lost"]
    out = []
    for day in (DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)):
        for _ in range(rnd.randrange(3, 9)):
            out.append((local(day, 10) + timedelta(minutes=rnd.randrange(0, 600)),
                        rnd.choice(ends)))
    return out


async def _store(database: Database, rnd: random.Random, people: list[Person],
                 calls: list[Call], inbound: list[tuple[datetime, str]],
                 operators: dict[str, int]) -> None:
    async with database.engine.begin() as conn:
        for call in calls:
            p = call.person
            await conn.execute(insert(Attempt).values(
                id=call.id, batch_id=await batch_of(conn, p.id), target_id=p.id,
                operator_id=operators[call.operator], phase="done", created_at=call.at,
                result_code=call.code, result_at=call.at if call.code else None,
                direction=call.direction))
            if call.note or call.escalation or call.complaint or call.voice:
                await conn.execute(insert(CallNote).values(
                    attempt_id=call.id, batch_id=await batch_of(conn, p.id), target_id=p.id,
                    author_id=operators[call.operator], at=call.at, result_code=call.code,
                    note=call.note, escalation=call.escalation, complaint=call.complaint,
                    residents_voice=call.voice))
        for person in people:
            person.done = rnd.random() < 0.3
            if rnd.random() < 0.12:
                at = local(DAY, 9) + timedelta(days=rnd.choice((-1, 0, 1)))
                person.exclusions.append(("paid", at))
                await conn.execute(insert(Exclusion).values(
                    target_id=person.id, reason="paid", source="manual", created_by="kanri",
                    created_at=at))
            await conn.execute(update(Target).where(Target.id == person.id).values(
                done=person.done,
                attempts=sum(c.person is person and c.direction == "out" for c in calls)))
        for n, (started, end) in enumerate(inbound):
            await conn.execute(insert(InboundCallRecord).values(
                id=f"in-{n}", started_at=started, end=end, gate_state="open",
                ended_at=started + timedelta(minutes=3)))


async def batch_of(conn: AsyncConnection, target_id: int) -> int:
    result = await conn.execute(select(Target.batch_id).where(Target.id == target_id))
    return int(result.scalar_one())


# --- independent counts ----------------------------------------------------------------------

def strongest_mark(calls: list[Call]) -> str:
    marks = {MARK.get(c.code or "", "") for c in calls}
    return "★" if "★" in marks else "☆" if "☆" in marks else ""


def status(centre: Centre, person: Person, day: date) -> str:
    end = local(day, 0) + timedelta(days=1)
    if any(at < end for _r, at in person.exclusions):
        return "除外"
    later = any(c.person is person and c.code is not None and c.at >= end for c in centre.calls)
    return "完了" if person.done and not later else "継続"


def expected_summary(centre: Centre, day: date) -> dict[str, Counter[str]]:
    """Per debt type: every count of the daily report, straight from the record."""
    figures: dict[str, Counter[str]] = {}
    for call in centre.results_on(day):
        f = figures.setdefault(call.person.debt_type, Counter())
        out = call.direction == "out"
        f["calls"] += out
        f["contacts"] += out and call.code in CONTACT
        f["callbacks"] += not out
        f["promises"] += call.code == "101"
        f["escalations"] += bool(MARK.get(call.code or "")) or call.escalation
        f["complaints"] += call.complaint
    for debt_type in ("hoikuryo", "kyushoku"):
        f = figures.setdefault(debt_type, Counter())
        mine = [p for p in centre.people if p.debt_type == debt_type]
        f["targets"] = len(mine)
        f["excluded"] = sum(status(centre, p, day) == "除外" for p in mine)
        f["in_play"] = sum(status(centre, p, day) == "継続" for p in mine)
        f["operators"] = len({c.operator for c in centre.results_on(day)
                              if c.person.debt_type == debt_type})
    return figures


def expected_inbound(centre: Centre, day: date) -> Counter[str]:
    start = local(day, 0)
    ends = [e for at, e in centre.inbound if start <= at < start + timedelta(days=1)]
    return Counter(received=len(ends), answered=ends.count("connected"),
                   abandoned=ends.count("abandoned"), messages=ends.count("message"))


def file_order(centre: Centre, debt_type: str) -> list[Person]:
    return sorted((p for p in centre.people if p.debt_type == debt_type),
                  key=lambda p: p.source_row)


def day_calls(centre: Centre, person: Person, day: date) -> list[Call]:
    return sorted((c for c in centre.results_on(day) if c.person is person), key=lambda c: c.at)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def expected_reach(centre: Centre, end: datetime, start: datetime | None = None,
                   months: tuple[str, ...] = ("2027-01",)) -> dict[str, Counter[str]]:
    """Per debt type, the lists of ``months`` at ``end``, person by person: targets, those
    excluded, those (not excluded) reached at least once (a contact code, either direction),
    those first reached at or after ``start``, and the lists' outbound calls and contacts."""
    figures: dict[str, Counter[str]] = {}
    for person in centre.people:
        f = figures.setdefault(person.debt_type, Counter())
        if "2027-01" not in months:
            continue
        f["targets"] += 1
        excluded = any(at < end for _r, at in person.exclusions)
        f["excluded"] += excluded
        mine = [c for c in centre.calls if c.person is person and c.code is not None
                and c.at < end]
        reached = sorted(c.at for c in mine if c.code in CONTACT)
        f["persons_contacted"] += bool(reached) and not excluded
        f["persons_new"] += bool(reached) and not excluded and start is not None \
            and reached[0] >= start
        f["calls"] += sum(c.direction == "out" for c in mine)
        f["contacts"] += sum(c.direction == "out" and c.code in CONTACT for c in mine)
    return figures


def reach_cases(centre: Centre, end: datetime) -> Counter[str]:
    """How many people of the record are the cases the share must get right."""
    cases: Counter[str] = Counter()
    for person in centre.people:
        mine = [c for c in centre.calls if c.person is person and c.code is not None
                and c.at < end]
        contacts = sum(c.code in CONTACT for c in mine)
        cases["contacted twice or more"] += contacts >= 2
        cases["called, never reached"] += bool(mine) and contacts == 0
        cases["excluded, reached"] += bool(person.exclusions) and contacts > 0
        cases["excluded"] += bool(person.exclusions)
    return cases
