"""`dialer kpi`: one list's 対象者接触率 and 接触件数率 against the record's own count, person by
person (a person reached twice counts once, one called but never reached does not count, an
excluded one is out of the denominator and reported apart)."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Batch
from tests.component.conftest import Dialer
from tests.component.reports.centre import DAY, Centre, expected_reach, local, reach_cases

KEYS = {"targets", "excluded", "persons_contacted", "person_contact_rate", "calls", "contacts",
        "call_contact_rate", "planned_calls"}


async def _batches(database: Database) -> dict[str, int]:
    async with database.engine.connect() as conn:
        return {d: b for b, d in await conn.execute(select(Batch.id, Batch.debt_type))}


@pytest.mark.parametrize("day", [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)])
async def test_the_kpi_counts_people_not_calls(centre: Centre, database: Database,
                                               dialer: Dialer, day: date) -> None:
    end = local(day + timedelta(days=1), 0)
    expected = expected_reach(centre, end, local(day, 0))
    cases = reach_cases(centre, end)
    assert cases["contacted twice or more"] and cases["called, never reached"]
    for debt_type, batch in (await _batches(database)).items():
        code, out, err = await asyncio.to_thread(
            dialer, "kpi", "--batch", str(batch), "--date", day.isoformat(), "--json")
        assert code == 0, err
        got = json.loads(out)
        assert KEYS <= set(got)
        people = expected[debt_type]
        assert (got["targets"], got["excluded"], got["persons_contacted"],
                got["persons_contacted_today"], got["calls"], got["contacts"]) == (
            people["targets"], people["excluded"], people["persons_contacted"],
            people["persons_new"], people["calls"], people["contacts"]), debt_type
        listed = people["targets"] - people["excluded"]
        assert got["person_contact_rate"] == pytest.approx(
            people["persons_contacted"] / listed, abs=1e-4)
        assert got["call_contact_rate"] == pytest.approx(
            people["contacts"] / people["calls"], abs=1e-4)
        assert got["planned_calls"] == (150 if debt_type == "hoikuryo" else None)


async def test_the_kpi_in_words_and_its_errors(centre: Centre, database: Database,
                                               dialer: Dialer) -> None:
    batch = (await _batches(database))["kyushoku"]
    code, out, err = await asyncio.to_thread(dialer, "kpi", "--batch", str(batch), "--date",
                                             DAY.isoformat())
    assert code == 0, err
    assert "対象者接触率" in out and "接触件数率" in out and "想定架電件数 未設定" in out
    code, out, err = await asyncio.to_thread(dialer, "kpi", "--batch", "999")
    assert code == 2 and "no batch 999" in err
