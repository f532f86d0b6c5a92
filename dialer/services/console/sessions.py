"""Operators going ready, pausing and leaving: the seat phone's session follows them.

Going ready calls the seat's phone into `operator-session` and keeps it connected; leaving hangs
it up. If the phone's session ends by itself — hung up on the phone, ended by Asterisk for lack
of RTP (``rtp_timeout``), or the phone found unreachable (``qualify``: its session is hung up
here) — the operator is offline until they go ready again, with a notice saying why; an operator
in a talk or its wrap-up keeps that call in wrap-up, so its result is still saved. A hangup that
went unseen (Asterisk killed, the AMI link down) is found at every AMI login (``FullyBooted``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from dialer.adapters.ami import AmiError, AmiLink
from dialer.domain.call_events import AsteriskBooted, CallEvent, ChannelHungUp, ContactLost
from dialer.domain.operators import Operator, SeatState
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seats import connect_seat, disconnect_seat

log = logging.getLogger(__name__)

HUNG_UP = "電話機の接続が切れました"
HUNG_UP_IN_CALL = "通話中に電話機の接続が切れました。この通話の結果を保存してください"
UNREACHABLE = "電話機が応答しません（ネットワーク断・電源断の可能性）"


class OperatorSessions:
    def __init__(self, link: AmiLink, pool: OperatorPool, clock: Callable[[], datetime]) -> None:
        self._link = link
        self._pool = pool
        self._clock = clock
        self._events = link.subscribe(AsteriskBooted, ChannelHungUp, ContactLost)

    async def go_ready(self, user_id: int, login: str, seat: str,
                       skills: frozenset[str] = frozenset()) -> Operator:
        """``skills``: the debt types the account takes (none: any)."""
        op = self._pool.add(user_id, login, seat, skills)
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
            elif isinstance(event, ContactLost):
                await self.contact_lost(event)
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
            log.warning("seat %s: the phone's session is gone; operator %s leaves ready",
                        op.seat, op.user_id)
            self._lost(op, HUNG_UP)
        return len(gone)

    def handle(self, event: CallEvent) -> None:
        if not isinstance(event, ChannelHungUp):
            return
        op = self._pool.by_channel(event.channel)
        if op is not None and op.state is not SeatState.OFFLINE:
            log.warning("seat %s: the phone's session ended (cause %s); operator %s leaves "
                        "ready", op.seat, event.cause, op.login)
            self._lost(op, HUNG_UP)

    async def contact_lost(self, event: ContactLost) -> None:
        """The seat's phone stopped answering Asterisk's qualify (or its registration ended):
        its session is hung up — a resident is never put through to it — and the operator
        leaves ready at once, not when the hangup's event arrives."""
        op = self._pool.by_seat(event.seat)
        if op is None or not op.channel:
            return
        channel = op.channel
        log.warning("seat %s: the phone is unreachable (%s); operator %s leaves ready",
                    op.seat, event.status, op.login)
        self._lost(op, UNREACHABLE)
        await disconnect_seat(self._link, channel)

    def _lost(self, op: Operator, notice: str) -> None:
        in_call = op.state in (SeatState.ON_CALL, SeatState.WRAP_UP) and op.attempt_id
        self._pool.phone_lost(op.user_id, HUNG_UP_IN_CALL if in_call else notice,
                              self._clock())

    async def leave_all(self) -> None:
        await asyncio.gather(*(self.leave(op.user_id) for op in self._pool.all()
                               if op.state is not SeatState.OFFLINE))
