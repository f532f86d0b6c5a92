"""Residents calling back who reached an operator through the queue: the operator is busy with
them, then in wrap-up, exactly as after an outbound call, and their result is recorded with the
inbound calls."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from dialer.domain.call_events import ChannelHungUp, QueueConnected
from dialer.services.console.operator_pool import OperatorPool

log = logging.getLogger(__name__)

RecordResult = Callable[[str, str], Awaitable[None]]


class AnsweredCallbacks:
    """The callbacks now with an operator, by call id (the caller's channel's unique id)."""

    def __init__(self, pool: OperatorPool, clock: Callable[[], datetime],
                 record_result: RecordResult | None = None) -> None:
        self._pool, self._clock, self._record_result = pool, clock, record_result
        self._calls: set[str] = set()

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def connected(self, event: QueueConnected) -> None:
        """The queue connected a caller to the operator on ``event.seat``."""
        if self._pool.took_call(event.seat, event.channel_id, self._clock()):
            self._calls.add(event.channel_id)

    def hung_up(self, event: ChannelHungUp) -> None:
        if event.channel_id in self._calls:
            self._pool.talk_ended(event.channel_id, self._clock())

    async def save_result(self, call_id: str, code: str) -> None:
        log.info("callback %s: result %s", call_id, code)
        if self._record_result is not None:
            await self._record_result(call_id, code)

    def recorded(self, call_id: str) -> None:
        """Its result is in the database: the call is no longer followed."""
        self._calls.discard(call_id)
