"""Follows every call to the dedicated number from the AMI events (see dialer.domain.inbound).

A call is recognised by its first dialplan step in the ``callback`` context; the gate's own
decision is added by the gate (``gate_decided``). Ended calls are kept for the day's figures.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from dialer.adapters.ami import Raw
from dialer.domain.inbound import InboundCall, InboundEnd, InboundSummary, observe, summarize

log = logging.getLogger(__name__)

CALLBACK_CONTEXT = "callback"


class InboundTracker:
    def __init__(self) -> None:
        self.calls: dict[str, InboundCall] = {}
        self.ended: asyncio.Queue[InboundCall] = asyncio.Queue()  # to be recorded

    async def run(self, events: asyncio.Queue[Raw]) -> None:
        """Follow the calls in ``events`` (an AMI subscription) for the service's lifetime."""
        while True:
            self.handle(await events.get())

    def handle(self, raw: Raw) -> None:
        channel_id = raw.get("Uniqueid", "")
        call = self.calls.get(channel_id)
        if call is None:
            if raw.get("Event") != "Newexten" or raw.get("Context") != CALLBACK_CONTEXT:
                return
            call = InboundCall(channel_id, _started(raw))
        updated = observe(call, raw)
        self.calls[channel_id] = updated
        if call.ended_at is None and updated.ended_at is not None:
            self.ended.put_nowait(updated)
        if updated.end is not call.end and updated.end is not InboundEnd.ONGOING:
            log.info("callback %s: %s (gate %s, waited %s s)", channel_id, updated.end,
                     updated.gate_state or "?", updated.wait_s)

    def gate_decided(self, channel_id: str, state: str, candidates: int = 0) -> None:
        call = self.calls.get(channel_id) or InboundCall(channel_id, 0.0)
        self.calls[channel_id] = replace(call, gate_state=state, candidates=candidates)

    def summary(self) -> InboundSummary:
        return summarize(list(self.calls.values()))

    def waiting(self) -> int:
        return self.summary().waiting_now


def _started(raw: Raw) -> float:
    """The first event's AMI timestamp; a garbled one must not stop the tracker's loop."""
    try:
        return float(raw.get("Timestamp", "0") or 0)
    except ValueError:
        return 0.0
