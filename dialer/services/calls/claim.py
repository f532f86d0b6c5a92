"""The next target of a campaign, claimed for one call: its attempt written (PLANNED) with the
operator reserved for it, when pacing wants one. Another dialer sharing the database may claim
the same target first: then the next one is tried."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from dialer.domain import call_routing
from dialer.domain.attempt_store import AttemptStore, Candidate
from dialer.domain.operators import Operator
from dialer.domain.pacing import Decision, Mode
from dialer.services.console.operator_pool import OperatorPool

log = logging.getLogger(__name__)

CLAIM_TRIES = 3  # targets tried per call when other dialers share the database and win them
HELD_MAX = 20  # call backs waiting for their operator passed over in one claim
Claimed = tuple[Candidate, str, Operator | None]  # the target, the attempt id, its operator


async def claim(store: AttemptStore, pool: OperatorPool, batch_id: int, decision: Decision,
                busy: Callable[[], frozenset[str]], clock: Callable[[], datetime],
                debt_type: str | None = None,
                assigned_hold: timedelta = call_routing.ASSIGNED_HOLD_FOR) -> Claimed | None:
    """``busy``: the numbers on the line now (never dialed twice at once); ``debt_type``: the
    batch's, for the operators' skills. A call waiting for the operator it should go to (who
    agreed the call back, or was assigned the target) is passed over for now
    (``call_routing``)."""
    passed: set[str] = set()
    tries = 0
    for _ in range(CLAIM_TRIES + HELD_MAX):
        now = clock()
        candidate = await store.next_candidate(batch_id, now, busy() | passed)
        if candidate is None:
            return None
        chosen = call_routing.route(
            pool.ready(), pool.all(), now=now, promise=candidate.promise,
            want=call_routing.wanted(candidate.promise, candidate.assigned_to,
                                     candidate.assigned_since, assigned_hold),
            debt_type=debt_type,
            reserve=decision.mode is Mode.PROGRESSIVE or candidate.needs_operator)
        if chosen.waiting_for_her:
            passed.add(candidate.number)
            continue
        if not chosen.place:
            return None
        operator = chosen.operator
        attempt_id = f"att-{uuid.uuid4().hex}"
        # stamped when claimed, not when the search began (the search may take a while)
        if await store.create(attempt_id, candidate, operator.user_id if operator else None,
                              clock()):
            return candidate, attempt_id, operator
        log.info("attempt %s not placed: target %s was claimed by another dialer",
                 attempt_id, candidate.target_id)
        tries += 1
        if tries >= CLAIM_TRIES:
            return None
    return None
