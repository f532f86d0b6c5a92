"""The access log for the city's investigations: everything about one target, batch or account
(`dialer audit show / export --target / --batch / --user`)."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from dialer.adapters.db import audit, audit_query, users
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import Attempt, Target
from dialer.config import Settings
from dialer.services.governance import audit_export
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.conftest import Dialer
from tests.component.intake.files import GOOD_ROWS, write_csv

AT = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)


async def investigated(database: Database, settings: Settings, tmp_path: Path
                       ) -> dict[str, int]:
    """Two batches, calls on a target, and the log rows the console writes about them."""
    ids = {}
    for n, debt_type in ((1, "hoikuryo"), (2, "rojin")):
        ids[f"b{n}"] = (await import_file(database, settings, ImportRequest(
            write_csv(tmp_path / f"{debt_type}.csv", GOOD_ROWS), debt_type, "2027-01",
            force=True))).batch
    async with database.engine.begin() as conn:
        ids["op1"] = await users.add(conn, "op1", "オペ1", "operator")
        await users.add(conn, "kanri", "管理者", "manager")
        t1, t2 = (await conn.execute(select(Target.id).where(Target.batch_id == ids["b1"])
                                     .order_by(Target.id).limit(2))).scalars().all()
        t9 = (await conn.execute(select(Target.id).where(Target.batch_id == ids["b2"])
                                 .limit(1))).scalar_one()
        ids |= {"t1": t1, "t2": t2, "t9": t9}
        await conn.execute(insert(Attempt).values(id="att-1", batch_id=ids["b1"], target_id=t1,
                                                  phase="done", created_at=AT))
        log = [("op1", "record.view", f"target:{t1}", {"batch": ids["b1"], "via": "screenpop"}),
               ("op1", "result.save", "call:att-1", {"code": "101"}),
               ("kanri", "listen_in.start", "seat:seat01", {"operator": "op1", "call": "att-1"}),
               ("op2", "identity.verified", f"target:{t2}", {"batch": ids["b1"], "call": "in-9"}),
               ("kanri", "calllist.assign", f"batch:{ids['b1']}", {"targets": 2}),
               ("kanri", "user.add", f"user:{ids['op1']}", {"role": "operator"}),
               ("op2", "record.view", f"target:{t9}", {"batch": ids["b2"], "via": "screenpop"})]
        for actor, action, obj, detail in log:
            await audit.record(conn, actor, action, obj, **detail)
    return ids


async def about(database: Database, **given: int | str) -> list[tuple[str, str, str]]:
    flt = audit_query.Filter(**given)  # type: ignore[arg-type]
    async with database.engine.connect() as conn:
        rows, total = await audit_query.page(conn, flt, 100, 0)
    assert total == len(rows)
    return sorted((r.actor, r.action, r.obj) for r in rows)


async def test_rows_about_a_target_a_batch_or_an_account(
        database: Database, settings: Settings, tmp_path: Path) -> None:
    ids = await investigated(database, settings, tmp_path)
    t1, t2, b1 = f"target:{ids['t1']}", f"target:{ids['t2']}", f"batch:{ids['b1']}"
    assert await about(database, target=ids["t1"]) == [
        ("kanri", "listen_in.start", "seat:seat01"), ("op1", "record.view", t1),
        ("op1", "result.save", "call:att-1")]
    assert await about(database, batch=ids["b1"]) == [
        ("kanri", "calllist.assign", b1), ("kanri", "listen_in.start", "seat:seat01"),
        ("op1", "record.view", t1), ("op1", "result.save", "call:att-1"),
        ("op2", "identity.verified", t2), ("system", "intake.import", b1)]
    assert await about(database, user="op1") == [
        ("kanri", "listen_in.start", "seat:seat01"), ("kanri", "user.add", f"user:{ids['op1']}"),
        ("op1", "record.view", t1), ("op1", "result.save", "call:att-1")]
    assert await about(database, user="op1", batch=ids["b2"]) == []  # filters combine (AND)
    assert await about(database, user="nobody") == []


async def test_the_export_and_show_take_the_same_filters(
        database: Database, settings: Settings, tmp_path: Path, dialer: Dialer) -> None:
    ids = await investigated(database, settings, tmp_path)
    out = tmp_path / "target.csv"
    code, printed, err = await asyncio.to_thread(
        dialer, "audit", "export", "--from", "2020-01-01", "--to", "2029-12-31",
        "--target", str(ids["t1"]), "--out", str(out), "--as", "kanri")
    assert code == 0, err
    with out.open(encoding=audit_export.ENCODING, newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert [r[3] for r in rows] == ["record.view", "result.save", "listen_in.start"]
    async with database.engine.connect() as conn:
        exported = (await audit.entries(conn, 1))[0]
    assert exported.action == "audit.export" and exported.detail["target"] == ids["t1"]
    assert exported.detail["rows"] == 3

    code, printed, _ = await asyncio.to_thread(dialer, "audit", "show", "--user", "op1",
                                               "--json")
    assert code == 0
    assert sorted(r["action"] for r in json.loads(printed)) == [
        "listen_in.start", "record.view", "result.save", "user.add"]
