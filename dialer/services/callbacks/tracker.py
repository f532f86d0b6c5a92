"""Follows every call to the dedicated number from the AMI events (see dialer.domain.inbound).

A call is recognised by its first dialplan step in the ``callback`` context; the gate's own
decision is added by the gate (``gate_decided``). Ended calls are kept for the day's figures
(``KEEP_S``; older ones are dropped as new calls end).
Asterisk sends ``FullyBooted`` at every AMI login: the calls followed then are reconciled with
the channels Asterisk carries, so a call whose hangup was never seen (Asterisk killed, events
lost on a stalled link) ends instead of "waiting" for ever — outbound dialing yields to
waiting callers.
The FastAGI gate answers only the calls followed here (``wait_seen``, see ``admission``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from dialer.adapters.ami import AmiError
from dialer.domain.call_events import AsteriskBooted, CallEvent, DialplanStep
from dialer.domain.inbound import (
    FOLLOWED,
    InboundCall,
    InboundEnd,
    InboundSummary,
    observe,
    summarize,
    vanished,
)

log = logging.getLogger(__name__)

CALLBACK_CONTEXT = "callback"
KEEP_S = 36 * 3600.0  # ended calls kept: the board's "today" in any clock shift
PRUNE_EVERY_S = 3600.0

LiveChannels = Callable[[], Awaitable[set[str]]]
EVENTS = (AsteriskBooted, *FOLLOWED)  # what ``run`` needs of the AMI (``AmiLink.subscribe``)


class InboundTracker:
    """``live_channels`` (the Uniqueids Asterisk carries) enables the reconcile at each
    ``FullyBooted``; ``wall`` is the clock of Asterisk's event timestamps."""

    def __init__(self, live_channels: LiveChannels | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        self.calls: dict[str, InboundCall] = {}
        self.ended: asyncio.Queue[InboundCall] = asyncio.Queue()  # to be recorded
        self._live_channels = live_channels
        self._wall = wall
        self._pruned_at = 0.0
        self._awaited: dict[str, asyncio.Event] = {}  # channel -> set when its call appears

    async def run(self, events: asyncio.Queue[CallEvent]) -> None:
        """Follow the calls in ``events`` (an AMI subscription to ``EVENTS``) for the
        service's lifetime."""
        while True:
            event = await events.get()
            if isinstance(event, AsteriskBooted):
                await self.reconcile()
            else:
                self.handle(event)

    def handle(self, event: CallEvent) -> None:
        channel_id = getattr(event, "channel_id", "")
        call = self.calls.get(channel_id)
        if call is None:
            if not isinstance(event, DialplanStep) or event.context != CALLBACK_CONTEXT:
                return
            call = InboundCall(channel_id, event.at)
            if (awaited := self._awaited.get(channel_id)) is not None:
                awaited.set()
        self._update(call, observe(call, event))

    def ongoing(self, channel_id: str) -> bool:
        """Whether ``channel_id`` is a call on the callback line that has not ended."""
        call = self.calls.get(channel_id)
        return call is not None and call.ended_at is None

    async def wait_seen(self, channel_id: str, wait_s: float) -> bool:
        """Whether ``channel_id`` is a call followed here and still going on, waiting up to
        ``wait_s`` for its first event (a FastAGI request can arrive before the AMI event
        announcing its call has been handled). Nothing is kept once the wait is over."""
        if not channel_id or self.ongoing(channel_id):
            return bool(channel_id)
        arrived = self._awaited.setdefault(channel_id, asyncio.Event())
        try:
            async with asyncio.timeout(wait_s):
                await arrived.wait()
        except TimeoutError:
            pass
        finally:
            self._awaited.pop(channel_id, None)
        return self.ongoing(channel_id)

    def _update(self, call: InboundCall, updated: InboundCall) -> None:
        self.calls[call.channel_id] = updated
        if call.ended_at is None and updated.ended_at is not None:
            self.ended.put_nowait(updated)
            self._prune(updated.ended_at)
        if updated.end is not call.end and updated.end is not InboundEnd.ONGOING:
            log.info("callback %s: %s (gate %s, waited %s s)", call.channel_id, updated.end,
                     updated.gate_state or "?", updated.wait_s)

    async def reconcile(self) -> int:
        """(Re)logged in: every call still going on that Asterisk no longer carries ends now.
        Events after the ``FullyBooted`` wait meanwhile, so a call that began since is not
        followed yet and cannot be taken for gone."""
        ongoing = [c for c in self.calls.values() if c.ended_at is None]
        if not ongoing or self._live_channels is None:
            return 0
        try:
            live = await self._live_channels()
        except AmiError as exc:
            log.warning("inbound calls not reconciled: %s", exc)
            return 0
        gone = [c for c in ongoing if c.channel_id not in live]
        for call in gone:
            log.warning("callback %s: its channel is gone unseen", call.channel_id)
            self._update(call, vanished(call, self._wall()))
        return len(gone)

    def _prune(self, now: float) -> None:
        """Forget the calls that ended more than ``KEEP_S`` before ``now`` (at most hourly)."""
        if now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        old = [key for key, c in self.calls.items()
               if c.ended_at is not None and c.ended_at < now - KEEP_S]
        for key in old:
            del self.calls[key]

    def gate_decided(self, channel_id: str, state: str, candidates: int = 0) -> None:
        call = self.calls.get(channel_id) or InboundCall(channel_id, 0.0)
        self.calls[channel_id] = replace(call, gate_state=state, candidates=candidates)

    def summary(self) -> InboundSummary:
        return summarize(list(self.calls.values()))

    def waiting(self) -> int:
        return self.summary().waiting_now
