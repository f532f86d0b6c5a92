"""Suspension orders (§14(11)ウ): recorded by a manager on the command line, applied by a
running service within a second (it polls), kept across restarts until released; imports and
exports refused while a data order is in force."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.calendar import Suspension
from dialer.domain.suspension import OrderError, Request, Scope
from dialer.services.governance import audit_export, suspensions
from dialer.services.governance.accounts import NotAllowed
from dialer.services.governance.suspensions import Suspensions
from dialer.services.intake import calllist
from dialer.services.intake.importer import ImportRequest, IntakeError, IntakeRefused, import_file
from tests.component.conftest import Dialer
from tests.component.governance.conftest import until
from tests.component.intake.conftest import snapshot
from tests.component.intake.files import GOOD_ROWS, write_csv

ORDER = ("--reason", "個人情報の取扱いに関する調査", "--city-ref", "札幌市財第123号",
         "--as", "kanri")


def runner() -> SimpleNamespace:
    return SimpleNamespace(suspension=Suspension())


async def cli(dialer: Dialer, *args: str) -> tuple[int, str, str]:
    """The `dialer` command in a process of its own would be the same: its own event loop."""
    return await asyncio.to_thread(dialer, *args)


async def test_a_command_line_order_halts_a_running_service_within_a_second_and_stays(
        database: Database, manager: str, dialer: Dialer) -> None:
    running, pushes = runner(), []
    service = Suspensions(database, running, listeners=[lambda: pushes.append(1)])
    await service.load()
    assert running.suspension == Suspension() and pushes == [1]
    watch = asyncio.create_task(service.watch())
    try:
        code, out, err = await cli(dialer, "suspend", "--scope", "outbound", "--scope",
                                   "保育所等保育料", "--scope", "callbacks", *ORDER)
        assert code == 0, err
        taken = await until(lambda: running.suspension.all_calling, 1.0)
        assert taken is not None and taken < 1.0
        assert running.suspension == Suspension(True, frozenset({"hoikuryo"}), True)
        assert "札幌市財第123号" in out and len(pushes) == 2

        restarted = runner()  # a service started later finds the orders in force at once
        await Suspensions(database, restarted).load()
        assert restarted.suspension == running.suspension

        code, out, err = await cli(dialer, "release", "1", "--ref", "解除第1号", "--as", "kanri")
        assert code == 0, err
        assert await until(lambda: not running.suspension.all_calling, 1.0) is not None
        assert running.suspension == Suspension(False, frozenset({"hoikuryo"}), True)
    finally:
        watch.cancel()
    code, out, _ = await cli(dialer, "suspensions", "--json")
    assert [o["id"] for o in json.loads(out)] == [2, 3]
    code, out, _ = await cli(dialer, "suspensions", "--all")
    assert out.splitlines()[-1].startswith("   1") and "[released" in out  # newest first
    async with database.engine.connect() as conn:
        logged = [(e.action, e.obj, e.actor) for e in await audit.entries(conn)]
    assert ("suspension.release", "suspension:1", "kanri") in logged
    assert sum(a == "suspension.order" for a, _o, _w in logged) == 3


async def test_only_an_active_manager_records_or_releases_an_order(
        database: Database, manager: str, dialer: Dialer) -> None:
    code, _, err = await cli(dialer, "suspend", "--scope", "data", "--reason", "x",
                             "--city-ref", "y", "--as", "op1")
    assert code == 2 and "manager" in err
    code, _, err = await cli(dialer, "suspend", "--scope", "data", "--reason", "x",
                             "--city-ref", "y")
    assert code == 2 and "--as" in err
    code, _, err = await cli(dialer, "suspend", "--scope", "nothing", *ORDER)
    assert code == 2
    code, _, err = await cli(dialer, "suspend", "--scope", "data", "--reason", " ",
                             "--city-ref", "y", "--as", "kanri")
    assert code == 2 and "reason" in err
    assert await suspensions.active(database) == []
    [order] = await suspensions.record(database, [Request(Scope.DATA, None, "x", "y")], "kanri",
                                       ["hoikuryo"])
    with pytest.raises(NotAllowed):
        await suspensions.release(database, order.id, "op1")
    await suspensions.release(database, order.id, "kanri")
    with pytest.raises(OrderError, match="released already"):
        await suspensions.release(database, order.id, "kanri")
    code, _, err = await cli(dialer, "release", "99", "--as", "kanri")
    assert code == 2 and "no suspension order 99" in err


async def test_imports_and_exports_are_refused_while_a_data_order_is_in_force(
        database: Database, settings: Settings, manager: str, tmp_path: Path,
        dialer: Dialer) -> None:
    path = write_csv(tmp_path / "hoikuryo.csv", GOOD_ROWS)
    batch = (await import_file(database, settings, ImportRequest(path, "hoikuryo",
                                                                 "2027-01"))).batch
    [order] = await suspensions.record(database, [Request(Scope.DATA, None, "調査", "第9号")],
                                       "kanri", ["hoikuryo"])
    before = await snapshot(database)
    with pytest.raises(IntakeRefused, match="halted"):
        await import_file(database, settings, ImportRequest(path, "hoikuryo", "2027-02",
                                                            force=True))
    with pytest.raises(IntakeError, match="halted"):
        await calllist.export_paper(database, settings, batch, "kanri")
    assert not (settings.paths.data_dir / "exports").exists()
    with pytest.raises(audit_export.ExportError, match="halted"):
        await audit_export.export(database, date(2027, 1, 1), date(2027, 1, 31), settings.tz,
                                  "kanri", lambda rows: None)
    with pytest.raises(suspensions.DataSuspended):
        await suspensions.ensure_data_allowed(database)
    assert await snapshot(database) == before  # nothing imported, nothing logged as exported
    code, _, err = await cli(dialer, "audit", "export", "--from", "2027-01-01", "--to",
                             "2027-01-31", "--out", str(tmp_path / "a.csv"))
    assert code == 2 and "halted" in err and not (tmp_path / "a.csv").exists()
    code, _, err = await cli(dialer, "import", str(path), "--debt-type", "hoikuryo",
                             "--month", "2027-03", "--force")
    assert code == 1 and "停止中" in err

    await suspensions.release(database, order.id, "kanri")
    await suspensions.ensure_data_allowed(database)
    assert await calllist.export_paper(database, settings, batch, "kanri")
