"""Inbound calls recorded when they end, counted by how they ended, with the operator's result."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dialer.adapters.db import inbound
from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import InboundCallRecord
from dialer.domain.inbound import InboundCall, InboundEnd

T0 = datetime(2027, 1, 12, 3, 0, tzinfo=UTC).timestamp()


async def test_record_count_and_result(database: Database) -> None:
    await inbound.record(database, InboundCall("c1", T0, "OPEN", position=1, wait_s=12.0,
                                               operator_seat="seat01", ended_at=T0 + 90,
                                               end=InboundEnd.CONNECTED))
    await inbound.record(database, InboundCall("c2", T0 + 5, "OPEN", position=2, wait_s=40.0,
                                               ended_at=T0 + 45, end=InboundEnd.ABANDONED))
    await inbound.record(database, InboundCall("c3", T0 - 86400, "OUT_OF_HOURS",
                                               message="out_of_hours", ended_at=T0 - 86390,
                                               end=InboundEnd.MESSAGE))
    since = datetime(2027, 1, 12, tzinfo=UTC)
    assert await inbound.counts_since(database, since) == {"connected": 1, "abandoned": 1}
    await inbound.set_result(database, "c1", "101")
    async with database.engine.connect() as conn:
        row = (await conn.execute(select(InboundCallRecord.result_code, InboundCallRecord.wait_s)
                                  .where(InboundCallRecord.id == "c1"))).one()
    assert tuple(row) == ("101", 12.0)


async def test_a_result_saved_before_the_call_is_recorded_is_kept(database: Database) -> None:
    """The operator may save before the service has followed the caller's hangup."""
    await inbound.set_result(database, "1795000000.9", "101")
    await inbound.record(database, InboundCall("1795000000.9", 1795000000.0, gate_state="OPEN",
                                               ended_at=1795000030.0,
                                               end=InboundEnd.CONNECTED))
    async with database.engine.connect() as conn:
        row = (await conn.execute(select(InboundCallRecord.result_code, InboundCallRecord.end)
                                  .where(InboundCallRecord.id == "1795000000.9"))).one()
    assert tuple(row) == ("101", "connected")
