"""Place one outbound call through the carrier trunk and tell how it ended.

The seed of the campaign runner: it originates ``PJSIP/<number>@pstn`` presenting the dedicated
number, follows the call's AMI events by the ChannelId it chose, and classifies the end.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from dialer.adapters.ami import AmiLink, Originate
from dialer.domain import phone
from dialer.domain.attempt import facts_after
from dialer.domain.call_events import (
    CallEvent,
    ChannelAnswered,
    ChannelHungUp,
    DialEnded,
    OriginateFinished,
)
from dialer.domain.dial_outcome import DialFacts, DialOutcome, classify

log = logging.getLogger(__name__)

ANSWERED_CONTEXT = "dialer-outbound"
ANSWERED_EXTEN = "answered"
SETTLE_MARGIN_S = 10.0
FOLLOWED = (DialEnded, ChannelHungUp, ChannelAnswered, OriginateFinished)


@dataclass(frozen=True)
class DialReport:
    channel_id: str
    outcome: DialOutcome
    facts: DialFacts


def originate_request(number: str, dedicated_number: str, ring_timeout_s: float,
                      channel_id: str, operator_channel: str = "") -> Originate:
    """The Originate for one attempt; ``operator_channel`` is the reserved operator's."""
    return Originate(
        channel=f"PJSIP/{phone.normalize(number)}@pstn",
        context=ANSWERED_CONTEXT,
        exten=ANSWERED_EXTEN,
        priority=1,
        caller_id=f'"{dedicated_number}" <{dedicated_number}>',
        timeout_ms=int(ring_timeout_s * 1000),
        variables=(f"ATTEMPT_ID={channel_id}", f"OPERATOR_CHANNEL={operator_channel}"),
    )


def fold(facts: DialFacts, event: CallEvent, channel_id: str) -> DialFacts:
    if getattr(event, "channel_id", None) != channel_id:
        return facts
    return facts_after(facts, event)


async def _follow(queue: asyncio.Queue[CallEvent], channel_id: str, timeout_s: float
                  ) -> DialFacts:
    facts = DialFacts()
    deadline = time.monotonic() + timeout_s
    while not facts.settled and (remaining := deadline - time.monotonic()) > 0:
        try:
            async with asyncio.timeout(remaining):
                event = await queue.get()
        except TimeoutError:
            break
        facts = fold(facts, event, channel_id)
    return facts


async def hang_up(link: AmiLink, channel_id: str) -> None:
    """Hang up whatever channel still carries this call (matched by its unique id)."""
    for channel in await link.channels(timeout_s=5, wait_login=False):
        if channel.channel_id == channel_id and channel.name:
            await link.hangup(channel.name, 16)


async def place_call(link: AmiLink, number: str, dedicated_number: str,
                     ring_timeout_s: float = 30.0, operator_channel: str = "",
                     channel_id: str | None = None) -> DialReport:
    channel_id = channel_id or f"dialer-{uuid.uuid4().hex}"
    queue = link.subscribe(*FOLLOWED)
    try:
        request = originate_request(number, dedicated_number, ring_timeout_s, channel_id,
                                    operator_channel)
        link.originate(request, channel_id)
        log.info("call %s: originate to %s", channel_id, phone.mask(number))
        facts = await _follow(queue, channel_id, ring_timeout_s + SETTLE_MARGIN_S)
        if not facts.settled:
            log.warning("call %s: no end seen before the deadline; hanging up", channel_id)
            await hang_up(link, channel_id)
    finally:
        link.unsubscribe(queue)
    outcome = classify(facts)
    log.info("call %s: %s", channel_id, outcome)
    return DialReport(channel_id, outcome, facts)
