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

from dialer.adapters.ami import AmiLink, Raw
from dialer.adapters.ami_translate import translate
from dialer.domain import phone
from dialer.domain.attempt import facts_after
from dialer.domain.dial_outcome import DialFacts, DialOutcome, classify

log = logging.getLogger(__name__)

ANSWERED_CONTEXT = "dialer-outbound"
ANSWERED_EXTEN = "answered"
SETTLE_MARGIN_S = 10.0


@dataclass(frozen=True)
class DialReport:
    channel_id: str
    outcome: DialOutcome
    facts: DialFacts


def originate_fields(number: str, dedicated_number: str, ring_timeout_s: float,
                     channel_id: str, operator_channel: str = "") -> dict[str, str | list[str]]:
    """The Originate for one attempt; ``operator_channel`` is the reserved operator's."""
    return {
        "Channel": f"PJSIP/{phone.normalize(number)}@pstn",
        "Context": ANSWERED_CONTEXT,
        "Exten": ANSWERED_EXTEN,
        "Priority": "1",
        "CallerID": f'"{dedicated_number}" <{dedicated_number}>',
        "Timeout": str(int(ring_timeout_s * 1000)),
        "Variable": [f"ATTEMPT_ID={channel_id}", f"OPERATOR_CHANNEL={operator_channel}"],
    }


def fold(facts: DialFacts, raw: Raw, channel_id: str) -> DialFacts:
    event = translate(raw)
    if event is None or getattr(event, "channel_id", None) != channel_id:
        return facts
    return facts_after(facts, event)


async def _follow(queue: asyncio.Queue[Raw], channel_id: str, timeout_s: float) -> DialFacts:
    facts = DialFacts()
    deadline = time.monotonic() + timeout_s
    while not facts.settled and (remaining := deadline - time.monotonic()) > 0:
        try:
            raw = await asyncio.wait_for(queue.get(), remaining)
        except TimeoutError:
            break
        facts = fold(facts, raw, channel_id)
    return facts


async def hang_up(link: AmiLink, channel_id: str) -> None:
    """Hang up whatever channel still carries this call (matched by its unique id)."""
    answer = await link.action({"Action": "CoreShowChannels"}, timeout_s=5)
    for message in answer if isinstance(answer, list) else []:
        if message.get("Uniqueid") == channel_id and message.get("Channel"):
            await link.action({"Action": "Hangup", "Channel": message["Channel"], "Cause": "16"})


async def place_call(link: AmiLink, number: str, dedicated_number: str,
                     ring_timeout_s: float = 30.0, operator_channel: str = "",
                     channel_id: str | None = None) -> DialReport:
    channel_id = channel_id or f"dialer-{uuid.uuid4().hex}"
    queue = link.subscribe()
    try:
        fields = originate_fields(number, dedicated_number, ring_timeout_s, channel_id,
                                  operator_channel)
        link.originate(fields, channel_id)
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
