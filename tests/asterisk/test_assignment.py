"""Assignment and skills on the real service and sandbox (issue 22 §2), predictive pacing with
three operators on seat phones: the targets assigned to one operator are bridged to her seat
only (never to the operator who has waited longest), and an operator without the debt type's
skill is never offered a call — not even by the callback queue, which knows nothing of skills
(with an unskilled operator on shift every call has a skilled operator reserved)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from dialer.adapters.db import users
from dialer.adapters.db.models import Attempt, Target
from dialer.domain.operators import Operator, SeatState
from dialer.domain.pacing import Mode, Policy
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign
from tests.asterisk.fault_kit import piloting, serving
from tests.asterisk.kit import until

# Residents who answer after a ring and hang up 2 s later (last digit 4).
NUMBERS = [f"0901120{n:03d}4" for n in range(1, 9)]
ASSIGNED = 3  # the first three targets are sato's
PREDICTIVE = Policy(mode=Mode.PREDICTIVE, abandon_cap=0.5, min_operators=1, min_samples=0,
                    min_window_calls=1)
STAFF = (("tanaka", ["kyushoku"]), ("sato", ["hoikuryo"]), ("kato", []))  # seat01, 02, 03


async def test_assigned_targets_ring_their_operator_and_the_unskilled_never_ring(
        sandbox_state: SandboxState, tmp_path: Path) -> None:
    state = sandbox_state
    async with sipp.running(["-sn", "uas"], state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port, tmp_path), \
            serving(state, tmp_path, NUMBERS) as served, piloting(served.service) as pilot:
        service = served.service
        seen: list[Operator] = []
        service.pool.on_change(seen.append)
        async with service.database.engine.begin() as conn:
            ids = {login: await users.add(conn, login, login, "operator", skills)
                   for login, skills in STAFF}
            first = list((await conn.execute(
                select(Target.id).where(Target.batch_id == served.batch)
                .order_by(Target.source_row))).scalars())[:ASSIGNED]
            await conn.execute(update(Target).where(Target.id.in_(first)).values(
                assigned_to=ids["sato"], assigned_at=service.now()))
        for (login, skills), seat in zip(STAFF, state.seats, strict=False):  # tanaka waits longest
            await service.sessions.go_ready(ids[login], login, seat, frozenset(skills))
        service.runner.open(Campaign(served.batch, "hoikuryo", ring_timeout_s=10,
                                     policy=PREDICTIVE))
        assert await until(lambda: len(pilot.saved) >= len(NUMBERS), 60), pilot.saved
        service.runner.close(served.batch)
        async with service.database.engine.connect() as conn:
            rows = (await conn.execute(select(Attempt.target_id, Attempt.operator_id)
                                       .where(Attempt.batch_id == served.batch))).all()
    by_target = dict(rows)
    assert len(rows) == len(NUMBERS) and set(by_target) >= set(first)
    assert {by_target[t] for t in first} == {ids["sato"]}  # hers, though tanaka waited longest
    assert ids["tanaka"] not in set(by_target.values())  # every call had someone reserved ...
    assert None not in set(by_target.values())
    tanaka = [op.state for op in seen if op.user_id == ids["tanaka"]]
    assert SeatState.READY in tanaka and not set(tanaka) - {SeatState.OFFLINE, SeatState.READY}
    on_call = {op.attempt_id for op in seen if op.user_id == ids["sato"]
               and op.state is SeatState.ON_CALL}
    assert len(on_call) >= ASSIGNED  # ... and the assigned calls were bridged to her seat
