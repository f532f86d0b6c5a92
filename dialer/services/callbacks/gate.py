"""The callback gate: how the dedicated number answers a caller right now.

The dialplan asks over FastAGI (`AGI(agi://…/gate)`) and receives CALLBACK_STATE: OPEN,
OUT_OF_HOURS, OUT_OF_PERIOD or SUSPENDED. If the service does not answer, the dialplan falls back
to the calendar include rendered from the same configuration (extensions_calendar.conf).
A call is known by its channel's unique id, as Asterisk sends it with the request; the service
answers only the calls it saw on the AMI (``admission``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from dialer.adapters.agi import AgiRequest
from dialer.domain import phone
from dialer.domain.calendar import Calendar, CallbackState, Suspension

log = logging.getLogger(__name__)

ROUTE = "gate"
Lookup = Callable[[str], Awaitable[Sequence[object]]]


class CallbackGate:
    def __init__(self, calendar: Callable[[], Calendar], suspension: Callable[[], Suspension],
                 clock: Callable[[], datetime],
                 on_decision: Callable[[str, str, int], None] = lambda _c, _s, _n: None,
                 lookup: Lookup | None = None) -> None:
        self._calendar = calendar
        self._suspension = suspension
        self._clock = clock
        self._on_decision = on_decision
        self._lookup = lookup
        self.candidates: dict[str, Sequence[object]] = {}  # call id -> who may be calling
        # The instant a caller's call is judged at: the service clock, except in the demo,
        # which shifts some simulated callers to the evening (dialer/demo/centre.py).
        self.clock_for: Callable[[str], datetime] = lambda _caller: clock()

    def state(self, at: datetime | None = None) -> CallbackState:
        return self._calendar().callback_state(at or self._clock(), None,
                                               suspension=self._suspension())

    async def __call__(self, request: AgiRequest) -> None:
        caller = request.caller_id
        state = self.state(self.clock_for(caller))
        await request.set_variable("CALLBACK_STATE", state.name)
        found = await self._lookup(caller) if self._lookup and state is CallbackState.OPEN else []
        if found:
            self.candidates[request.uniqueid] = found
        self._on_decision(request.uniqueid, state.name, len(found))
        log.info("callback %s from %s: %s", request.uniqueid, phone.mask(caller), state.name)

    def forget(self, call_id: str) -> None:
        """The call ended: its candidates are no longer needed."""
        self.candidates.pop(call_id, None)
