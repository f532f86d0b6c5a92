"""Mirrors each seat's state into Asterisk, where the callback queue reads it.

``DEVICE_STATE(Custom:<seat>)`` is NOT_INUSE only while the operator is READY, so the queue rings
only free operators; the global ``SEAT_<seat>`` holds the seat's session channel, which the
queue's member dialplan bridges a caller to.

Every seat's last state is sent again after each AMI login (``resync``, on ``FullyBooted``): a
change sent while the link was stalled or down is lost, and a restarted Asterisk keeps the custom
device states in its database but not the globals — a seat whose operator went offline during
the restart would otherwise still be offered callers.
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
        self._changes: asyncio.Queue[Operator | None] = asyncio.Queue()
        self._wanted: dict[str, tuple[str, str]] = {}  # seat -> (device state, channel)

    def changed(self, op: Operator) -> None:
        """Pool listener: queue the change (sent by ``run``, in order)."""
        self._changes.put_nowait(op)

    def resync(self) -> None:
        """AMI listener (``on_booted``): send every seat's state again (by ``run``, in order)."""
        self._changes.put_nowait(None)

    async def run(self) -> None:
        while True:
            op = await self._changes.get()
            if op is None:
                await self._send_all_again()
            else:
                await self.apply(op.seat, device_state(op), op.channel)

    async def _send_all_again(self) -> None:
        try:
            await self._link.wait_connected()  # FullyBooted is read just before the login ends
        except AmiError as exc:
            log.warning("seat states not sent again: %s", exc)
            return
        for seat, (state, channel) in list(self._wanted.items()):
            await self.apply(seat, state, channel)

    async def apply(self, seat: str, state: str, channel: str = "") -> None:
        self._wanted[seat] = (state, channel)
        try:
            await self._link.set_var(f"SEAT_{seat}", channel)
            await self._link.set_var(f"DEVICE_STATE(Custom:{seat})", state)
        except AmiError as exc:
            log.warning("seat %s: state %s not sent to Asterisk: %s", seat, state, exc)

    async def reset(self, seats: list[str]) -> None:
        """At start: no seat is available until its operator goes ready."""
        for seat in seats:
            await self.apply(seat, "UNAVAILABLE")
