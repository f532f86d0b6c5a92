"""Operator seats on the telephone side: a seat's phone connected into `operator-session`.

While an operator is ready, the seat's phone stays connected, waiting; an answered resident is
bridged straight to that channel (see asterisk_conf/extensions.conf).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from dialer.adapters.ami import AmiError, AmiLink, Originate
from dialer.domain.call_events import OriginateFinished

log = logging.getLogger(__name__)

SESSION_CONTEXT = "operator-session"
SESSION_PREFIX = "seat-"  # a session's Uniqueid: seat-<seat>-<random>
UNREACHABLE_STATES = {"UNAVAILABLE", "INVALID"}  # PJSIP: no contact, or none reachable


class SeatError(Exception):
    """The seat's phone could not be connected."""


async def connect_seat(link: AmiLink, seat: str, timeout_s: float = 15.0) -> str:
    """Call the seat's phone into its session; return the connected channel's name.

    A seat whose phone Asterisk cannot reach (not registered, or not answering its qualify) is
    refused at once with that reason. A session of this seat left idle in Asterisk (its service
    was killed and nobody owns it) is hung up first: a one-line phone would be busy otherwise.
    A session in a bridge is a talk still going on and is left alone."""
    await _check_reachable(link, seat)
    await _end_leftover_sessions(link, seat)
    channel_id = f"{SESSION_PREFIX}{seat}-{uuid.uuid4().hex[:12]}"
    queue = link.subscribe(OriginateFinished)
    try:
        link.originate(Originate(channel=f"PJSIP/{seat}", context=SESSION_CONTEXT, exten="s",
                                 priority=1, timeout_ms=int(timeout_s * 1000),
                                 caller_id='"dialer" <0>'), channel_id)
        deadline = time.monotonic() + timeout_s + 2
        while (remaining := deadline - time.monotonic()) > 0:
            async with asyncio.timeout(remaining):
                event = await queue.get()
            if isinstance(event, OriginateFinished) and event.channel_id == channel_id:
                if not event.success or not event.channel:
                    raise SeatError(f"the phone on {seat} did not answer (reason "
                                    f"{event.reason})")
                log.info("seat %s connected on %s", seat, event.channel)
                return event.channel
    except TimeoutError:
        pass
    finally:
        link.unsubscribe(queue)
    raise SeatError(f"the phone on {seat} did not answer within {timeout_s} s")


async def _check_reachable(link: AmiLink, seat: str) -> None:
    try:
        state = await link.get_var(f"DEVICE_STATE(PJSIP/{seat})")
    except AmiError as exc:  # the Originate's own answer will tell
        log.warning("seat %s: phone state not checked: %s", seat, exc)
        return
    if state in UNREACHABLE_STATES:
        raise SeatError(f"no phone registered on {seat} (or it does not answer)")


async def _end_leftover_sessions(link: AmiLink, seat: str) -> None:
    try:
        leftover = [c.name for c in await link.channels()
                    if c.channel_id.startswith(f"{SESSION_PREFIX}{seat}-")
                    and not c.bridge_id and c.name]
    except AmiError as exc:  # going ready must not depend on this clean-up
        log.warning("seat %s: leftover sessions not checked: %s", seat, exc)
        return
    for channel in leftover:
        log.warning("seat %s: hanging up a session left by an earlier run (%s)", seat, channel)
        await disconnect_seat(link, channel)


async def disconnect_seat(link: AmiLink, channel: str) -> None:
    try:
        await link.hangup(channel, 16)
    except AmiError as exc:
        log.warning("could not hang up %s: %s", channel, exc)
