"""The next target of a campaign, claimed for one call: its attempt written (PLANNED) with the
operator reserved for it, when pacing wants one. Another dialer sharing the database may claim
the same target first: then the next one is tried."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from dialer.domain.attempt_store import AttemptStore, Candidate
from dialer.domain.operators import Operator
from dialer.domain.pacing import Decision, Mode
from dialer.services.console.operator_pool import OperatorPool

log = logging.getLogger(__name__)

CLAIM_TRIES = 3  # targets tried per call when other dialers share the database and win them
Claimed = tuple[Candidate, str, Operator | None]  # the target, the attempt id, its operator


async def claim(store: AttemptStore, pool: OperatorPool, batch_id: int, decision: Decision,
                busy: Callable[[], frozenset[str]], clock: Callable[[], datetime]
                ) -> Claimed | None:
    """``busy``: the numbers on the line now (never dialed twice at once)."""
    for _ in range(CLAIM_TRIES):
        now = clock()
        candidate = await store.next_candidate(batch_id, now, busy())
        if candidate is None:
            return None
        reserve = decision.mode is Mode.PROGRESSIVE or candidate.needs_operator
        ready = pool.ready()
        if reserve and not ready:
            return None
        operator = ready[0] if reserve else None
        attempt_id = f"att-{uuid.uuid4().hex}"
        # stamped when claimed, not when the search began (the search may take a while)
        if await store.create(attempt_id, candidate, operator.user_id if operator else None,
                              clock()):
            return candidate, attempt_id, operator
        log.info("attempt %s not placed: target %s was claimed by another dialer",
                 attempt_id, candidate.target_id)
    return None
