"""Operators going ready, pausing and leaving: the seat phone's session follows them.

Going ready calls the seat's phone into `operator-session` and keeps it connected; leaving hangs
it up. If the phone hangs up by itself, the operator is offline until they go ready again — also
when that hangup went unseen (Asterisk killed, the AMI link down): the seats' channels are
checked at every AMI login (``FullyBooted``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from dialer.adapters.ami import AmiError, AmiLink
from dialer.domain.call_events import AsteriskBooted, CallEvent, ChannelHungUp
from dialer.domain.operators import Operator, SeatState
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seats import connect_seat, disconnect_seat

log = logging.getLogger(__name__)


class OperatorSessions:
    def __init__(self, link: AmiLink, pool: OperatorPool, clock: Callable[[], datetime]) -> None:
        self._link = link
        self._pool = pool
        self._clock = clock
        self._events = link.subscribe(AsteriskBooted, ChannelHungUp)

    async def go_ready(self, user_id: int, login: str, seat: str) -> Operator:
        op = self._pool.add(user_id, login, seat)
        if op.state is SeatState.PAUSED:
            return self._pool.resume(user_id, self._clock())
        if op.state is not SeatState.OFFLINE:
            return op
        channel = await connect_seat(self._link, seat)
        return self._pool.connect(user_id, channel, self._clock())

    def pause(self, user_id: int, reason: str) -> Operator:
        return self._pool.pause(user_id, reason, self._clock())

    async def leave(self, user_id: int) -> Operator:
        op = self._pool.get(user_id)
        if op.channel:
            await disconnect_seat(self._link, op.channel)
        return self._pool.disconnect(user_id, self._clock())

    async def watch(self) -> None:
        """A seat phone that hangs up takes its operator offline."""
        while True:
            event = await self._events.get()
            if isinstance(event, AsteriskBooted):
                await self.reconcile()
            else:
                self.handle(event)

    async def reconcile(self) -> int:
        """(Re)logged in: an operator whose seat channel Asterisk no longer carries is offline
        (their phone's session ended unseen; a call to their channel could not be bridged)."""
        connected = [op for op in self._pool.all()
                     if op.channel and op.state is not SeatState.OFFLINE]
        if not connected:
            return 0
        try:
            live = await self._link.live_channel_names()
        except AmiError as exc:
            log.warning("seat sessions not checked: %s", exc)
            return 0
        gone = [op for op in connected
                if op.channel not in live and self._pool.get(op.user_id).channel == op.channel]
        for op in gone:
            log.warning("seat %s: the phone's session is gone; operator %s is offline",
                        op.seat, op.user_id)
            self._pool.disconnect(op.user_id, self._clock())
        return len(gone)

    def handle(self, event: CallEvent) -> None:
        if not isinstance(event, ChannelHungUp):
            return
        op = self._pool.by_channel(event.channel)
        if op is not None and op.state is not SeatState.OFFLINE:
            log.warning("seat %s: the phone hung up; operator %s is offline", op.seat, op.login)
            self._pool.disconnect(op.user_id, self._clock())

    async def leave_all(self) -> None:
        await asyncio.gather(*(self.leave(op.user_id) for op in self._pool.all()
                               if op.state is not SeatState.OFFLINE))
