"""Mirrors each seat's state into Asterisk, where the callback queue reads it.

``DEVICE_STATE(Custom:<seat>)`` is NOT_INUSE only while the operator is READY, so the queue rings
only free operators; the global ``SEAT_<seat>`` holds the seat's session channel, which the
queue's member dialplan bridges a caller to.
"""

from __future__ import annotations

import asyncio
import logging

from dialer.adapters.ami import AmiError, AmiLink
from dialer.domain.operators import Operator, SeatState

log = logging.getLogger(__name__)

DEVICE_STATES = {
    SeatState.READY: "NOT_INUSE",
    SeatState.OFFLINE: "UNAVAILABLE",
    SeatState.PAUSED: "UNAVAILABLE",
}


def device_state(op: Operator) -> str:
    return DEVICE_STATES.get(op.state, "INUSE")


class SeatSync:
    def __init__(self, link: AmiLink) -> None:
        self._link = link
        self._changes: asyncio.Queue[Operator] = asyncio.Queue()

    def changed(self, op: Operator) -> None:
        """Pool listener: queue the change (sent by ``run``, in order)."""
        self._changes.put_nowait(op)

    async def run(self) -> None:
        while True:
            op = await self._changes.get()
            await self.apply(op.seat, device_state(op), op.channel)

    async def apply(self, seat: str, state: str, channel: str = "") -> None:
        try:
            await self._link.action({"Action": "Setvar", "Variable": f"SEAT_{seat}",
                                     "Value": channel})
            await self._link.action({"Action": "Setvar",
                                     "Variable": f"DEVICE_STATE(Custom:{seat})", "Value": state})
        except AmiError as exc:
            log.warning("seat %s: state %s not sent to Asterisk: %s", seat, state, exc)

    async def reset(self, seats: list[str]) -> None:
        """At start: no seat is available until its operator goes ready."""
        for seat in seats:
            await self.apply(seat, "UNAVAILABLE")
