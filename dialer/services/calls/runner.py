"""The outbound campaign runner: places calls for open batches, only when the calendar allows,
with an operator reserved per call (progressive), and follows every attempt to its end.

Two loops run for the service's lifetime (app.py supervises them): ``dial_loop`` decides every
tick how many calls to place, ``event_loop`` advances the attempts in flight with Asterisk's
events. Every Originate is preceded by the attempt row (ChannelId = attempt id) and a last check
of the calendar, the suspension state and the target's exclusions. The runner composes two
helpers: ``AnsweredCallbacks`` (residents calling back who reached an operator) and
``PacingFeedback`` (what each call teaches predictive pacing); a target is claimed by
``claim.claim``, the carrier's limit kept by ``CarrierLimit`` and the trunk's lines by
``LineBudget`` (every call in ``in_flight`` holds a line until its attempt ends). (About 350
lines: the two loops share the calls in flight, and the results the operators record end
those calls.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from dialer.adapters.ami import AmiError, AmiLink
from dialer.domain import attempt as attempts
from dialer.domain import call_routing, phone
from dialer.domain.attempt import Attempt, OperatorFree, OperatorWrapUp, Phase, RecordOutcome
from dialer.domain.attempt_store import AttemptStore, Candidate
from dialer.domain.calendar import Calendar, Suspension
from dialer.domain.call_events import (
    AsteriskBooted,
    BridgeFailed,
    CallEvent,
    ChannelAnswered,
    ChannelBridged,
    ChannelGone,
    ChannelHungUp,
    DialEnded,
    OriginateFinished,
    QueueConnected,
)
from dialer.domain.dial_outcome import DialOutcome
from dialer.domain.line_budget import Lines
from dialer.domain.operators import SeatState
from dialer.domain.outcomes import Classification
from dialer.domain.pacing import Decision
from dialer.services.callbacks.answered import AnsweredCallbacks
from dialer.services.calls.carrier_limit import CarrierLimit
from dialer.services.calls.claim import claim
from dialer.services.calls.dial import hang_up, originate_request
from dialer.services.calls.in_flight import PROGRESSIVE, Campaign, InFlight
from dialer.services.calls.line_budget import LineBudget
from dialer.services.calls.pacer import Pacer, Ringing
from dialer.services.calls.pacing_feedback import PacingFeedback
from dialer.services.console.operator_pool import OperatorPool

log = logging.getLogger(__name__)

__all__ = ["PROGRESSIVE", "Campaign", "CampaignRunner", "InFlight"]

Clock = Callable[[], datetime]
FOLLOWED = (DialEnded, ChannelHungUp, ChannelAnswered, OriginateFinished, AsteriskBooted,
            ChannelBridged, BridgeFailed, QueueConnected)  # the events the runner subscribes to
EVENT_BURST = 500  # AMI events applied (and written) together at most


class CampaignRunner:
    def __init__(self, link: AmiLink, store: AttemptStore, pool: OperatorPool,
                 calendar: Callable[[], Calendar], classification: Classification,
                 dedicated_number: str, clock: Clock, tick_s: float = 0.25,
                 inbound_waiting: Callable[[], int] = lambda: 0,
                 callback_result: Callable[[str, str], Awaitable[None]] | None = None,
                 max_calls_per_s: float | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 line_budget: LineBudget | None = None) -> None:
        self._link = link
        self._store = store
        self._pool = pool
        self._calendar = calendar
        self._classification = classification
        self._dedicated = dedicated_number
        self._clock = clock
        self._tick_s = tick_s
        self._inbound_waiting = inbound_waiting
        self._limit = CarrierLimit(max_calls_per_s, monotonic)
        self.line_budget = line_budget
        self.assigned_hold = call_routing.ASSIGNED_HOLD_FOR  # [calling] assigned_wait_min
        self.campaigns: dict[int, Campaign] = {}
        self.suspension = Suspension()
        self.in_flight: dict[str, InFlight] = {}
        self.windows: dict[int, bool] = {}  # campaign -> calling allowed at the last check
        self.callbacks = AnsweredCallbacks(pool, clock, callback_result)
        self._events = link.subscribe(*FOLLOWED)
        self.pacer = Pacer(clock)
        self.pacing = PacingFeedback(self.pacer, pool)

    # --- campaigns ---------------------------------------------------------------------------
    def open(self, campaign: Campaign) -> None:
        self.campaigns[campaign.batch_id] = campaign
        log.info("campaign for batch %s (%s) opened", campaign.batch_id, campaign.debt_type)

    def close(self, batch_id: int) -> None:
        self.campaigns.pop(batch_id, None)
        log.info("campaign for batch %s closed", batch_id)

    async def check_windows(self) -> dict[int, bool]:
        """Scheduled job: notes (and logs) each campaign's window opening and closing. Every
        Originate still re-checks the calendar itself, so a late job never lets a call out."""
        for batch_id, campaign in list(self.campaigns.items()):
            allowed = self.may_dial(campaign)
            if self.windows.get(batch_id) != allowed:
                log.info("campaign %s: calling window %s", batch_id,
                         "open" if allowed else "closed")
                self.windows[batch_id] = allowed
        return dict(self.windows)

    def by_period_end(self) -> list[Campaign]:
        """The open campaigns, the list whose calling period ends soonest first: its people
        have the fewest days left to be reached (a list without a known period comes last)."""
        calendar = self._calendar()

        def ends(campaign: Campaign) -> date:
            period = (calendar.period(campaign.debt_type, campaign.month)
                      if campaign.month else None)
            return period.calling.last if period else date.max

        return sorted(self.campaigns.values(), key=lambda c: (ends(c), c.batch_id))

    def may_dial(self, campaign: Campaign) -> bool:
        return self._link.connected and self._calendar().may_dial(
            self._clock(), campaign.debt_type, suspension=self.suspension, month=campaign.month)

    # --- dialing -----------------------------------------------------------------------------
    async def dial_loop(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self._limit.pause_s(self._tick_s))

    async def tick(self) -> int:
        """Place the calls pacing allows now (progressive: one per ready operator)."""
        placed = 0
        self._limit.new_tick()
        if self._inbound_waiting():  # residents calling back have priority for operators
            return 0
        for campaign in self.by_period_end():
            if not self.may_dial(campaign):
                continue
            decision = self._decide(campaign)
            for _ in range(decision.place):
                if not self._limit.ready():  # over the carrier's limit: wait for a tick
                    break
                if not await self._dial_one(campaign, decision):
                    break
                placed += 1
        return placed

    def _decide(self, campaign: Campaign) -> Decision:
        ringing = [Ringing(f.placed_at) for f in self.in_flight.values()
                   if f.operator_id is None and f.placed_at is not None
                   and f.attempt.phase is Phase.DIALING]
        snapshot = self.pacer.snapshot(self._pool.all(), ringing, self._inbound_waiting(),
                                       self.lines().outbound_room if self.line_budget else None)
        return self.pacer.decide(campaign.policy, snapshot)

    def lines(self) -> Lines:
        """The trunk now: the outbound calls in flight, the callbacks, the reserve."""
        if self.line_budget is None:
            raise RuntimeError("this runner has no line budget")
        return self.line_budget.lines(len(self.in_flight))

    async def _dial_one(self, campaign: Campaign, decision: Decision) -> bool:
        claimed = await claim(self._store, self._pool, campaign.batch_id, decision,
                              lambda: frozenset(f.number for f in self.in_flight.values()),
                              self._clock, campaign.debt_type, self.assigned_hold)
        if claimed is None:
            return False
        candidate, attempt_id, operator = claimed
        now = self._clock()
        if operator is not None:
            self._pool.reserve(operator.user_id, attempt_id, now)
        if not await self._last_check(campaign, candidate):
            await self._store.finish(attempt_id, Phase.DONE, "", now)
            self._pool.release(attempt_id, self._clock())
            return False
        risk = 0.0 if operator else decision.risk
        return await self._originate(campaign, candidate, attempt_id,
                                     operator.channel if operator else "", risk)

    async def _last_check(self, campaign: Campaign, candidate: Candidate) -> bool:
        """Right before the Originate: still inside a window, not suspended, not excluded."""
        return self.may_dial(campaign) and await self._store.still_dialable(candidate.target_id)

    async def _originate(self, campaign: Campaign, candidate: Candidate, attempt_id: str,
                         operator_channel: str, risk: float = 0.0) -> bool:
        op = self._pool.by_attempt(attempt_id)
        try:
            request = originate_request(candidate.number, self._dedicated,
                                        campaign.ring_timeout_s, attempt_id, operator_channel)
            self._limit.take()
            self._link.originate(request, attempt_id)
        except phone.PhoneError as exc:  # validated at import; never dial a malformed number
            log.warning("attempt %s: number refused (%s)", attempt_id, exc)
            code = self._classification.for_system(DialOutcome.UNREACHABLE).code
            await self._store.finish(attempt_id, Phase.DONE, code, self._clock())
            self._pool.release(attempt_id, self._clock())
            return True
        except AmiError as exc:
            log.warning("attempt %s not sent: %s", attempt_id, exc)
            await self._store.finish(attempt_id, Phase.DONE, "", self._clock())
            self._pool.release(attempt_id, self._clock())
            return False
        started = attempts.originate_sent(Attempt(attempt_id))
        self.in_flight[attempt_id] = InFlight(started, candidate.number,
                                              op.user_id if op else None, self._clock(), risk)
        await self._store.set_phase(attempt_id, Phase.DIALING, self._clock())
        log.info("attempt %s: dialing %s (batch %s)", attempt_id, phone.mask(candidate.number),
                 campaign.batch_id)
        return True

    # --- following the calls -----------------------------------------------------------------
    async def event_loop(self) -> None:
        """Follow the events as they come; a burst already waiting is handled in one go and its
        phase changes and results written together (one transaction, not one per event)."""
        while True:
            burst = [await self._events.get()]
            while len(burst) < EVENT_BURST and not self._events.empty():
                burst.append(self._events.get_nowait())
            async with self._store.batched():
                for event in burst:
                    await self.handle(event)

    async def handle(self, event: CallEvent) -> None:
        """One event from Asterisk: a (re)login reconciles, any other advances its call."""
        if isinstance(event, AsteriskBooted):
            await self.reconcile()
        elif not (isinstance(event, QueueConnected) and not event.seat):
            await self.advance(event)

    async def advance(self, event: CallEvent) -> None:
        """Move the call ``event`` is about along: its attempt's state machine steps, and the
        commands it returns are carried out (a callback's events go to ``callbacks``)."""
        flight = self.in_flight.get(getattr(event, "channel_id", ""))
        if flight is None:
            self._callback_event(event)
            return
        if isinstance(event, QueueConnected):  # an unreserved call found a free operator
            op = self._pool.took_call(event.seat, flight.attempt.id, self._clock())
            flight.operator_id = op.user_id if op else None
            return
        before = flight.attempt.phase
        flight.attempt, commands = attempts.step(flight.attempt, event)
        await self._moved(flight, before)
        for command in commands:
            await self._carry_out(flight, command)

    async def _moved(self, flight: InFlight, before: Phase) -> None:
        after, attempt_id, now = flight.attempt.phase, flight.attempt.id, self._clock()
        if after is before:
            return
        self.pacing.moved(flight, before, after)
        op = self._pool.by_attempt(attempt_id)
        if after is Phase.CONNECTED and op is not None and op.state is SeatState.RESERVED:
            self._pool.bridged(attempt_id, now)
        if after in (Phase.ANSWERED, Phase.CONNECTED, Phase.WRAP_UP):
            await self._store.set_phase(attempt_id, after, now)
        if after in attempts.FINAL_PHASES:
            self.in_flight.pop(attempt_id, None)

    def _callback_event(self, event: CallEvent) -> None:
        """A resident calling back reached an operator through the queue, or hung up."""
        if isinstance(event, QueueConnected):
            self.callbacks.connected(event)
        elif isinstance(event, ChannelHungUp):
            self.callbacks.hung_up(event)

    async def _carry_out(self, flight: InFlight, command: attempts.Command) -> None:
        """Do what the attempt's state machine asked: free the operator, start their wrap-up,
        write the outcome."""
        attempt_id, now = flight.attempt.id, self._clock()
        if isinstance(command, OperatorFree):
            self._pool.release(attempt_id, now)
        elif isinstance(command, OperatorWrapUp):
            self._pool.talk_ended(attempt_id, now)
        elif isinstance(command, RecordOutcome):
            code = self._system_code(command.outcome)
            await self._store.finish(attempt_id, Phase.DONE, code, now)
            log.info("attempt %s: %s (%s)", attempt_id, command.outcome, code)

    def _system_code(self, outcome: str) -> str:
        if outcome == attempts.ABANDONED:
            return self._classification.abandoned().code
        return self._classification.for_system(DialOutcome(outcome)).code

    async def save_result(self, operator_id: int, code: str,
                          appointment: datetime | None = None) -> str:
        """The operator's result for the call they just had; the operator is ready again.
        (The console writes the result with its note in one transaction of its own, then calls
        ``result_recorded``.)"""
        op = self._pool.get(operator_id)
        if op.attempt_id is None:
            raise ValueError(f"operator {op.login} has no call to record")
        result = self._classification.get(code)
        attempt_id = op.attempt_id
        if attempt_id in self.callbacks:  # a callback: recorded with the inbound calls
            await self.callbacks.save_result(attempt_id, result.code)
        else:
            await self._store.finish(attempt_id, Phase.WRAP_UP, result.code, self._clock(),
                                     appointment)
        self.result_recorded(operator_id, attempt_id)
        return attempt_id

    def result_recorded(self, operator_id: int, attempt_id: str) -> None:
        """The result of the operator's call is in the database: they are free again. Memory
        only, so nothing here fails once the result is written (and nothing moves before)."""
        self.callbacks.recorded(attempt_id)
        op = self._pool.get(operator_id)
        if op.attempt_id != attempt_id or op.state is not SeatState.WRAP_UP:
            return  # they left the seat meanwhile (its phone hung up): no one to free
        self.pacing.wrap_ended(op.since)
        self._pool.result_saved(operator_id, self._clock())

    async def end_call(self, operator_id: int) -> None:
        """The operator ends the conversation (the resident's side is hung up)."""
        op = self._pool.get(operator_id)
        if op.attempt_id is not None and op.state is SeatState.ON_CALL:
            await hang_up(self._link, op.attempt_id)

    # --- crash safety ------------------------------------------------------------------------
    async def recover(self) -> int:
        """After a restart: take back the attempts the database still has open, then reconcile
        them with Asterisk (those it no longer carries end now). Nothing is dialed twice."""
        for record in await self._store.unfinished():
            if record.phase is Phase.WRAP_UP:  # talked; only its result is awaited
                continue
            if record.phase is Phase.PLANNED:  # never sent: nothing can be in Asterisk
                await self._store.finish(record.id, Phase.DONE, "", self._clock())
                continue
            attempt = Attempt(record.id, phase=record.phase)
            self.in_flight[record.id] = InFlight(attempt, "", None)
        return await self.reconcile()

    async def reconcile(self) -> int:
        """After a reconnect or restart: every attempt Asterisk no longer carries ends now."""
        try:  # waits for the login: FullyBooted arrives just before it completes
            live = await self._link.live_channel_ids(timeout_s=10)
        except AmiError as exc:
            log.warning("reconcile postponed: %s", exc)
            return 0
        gone = [attempt_id for attempt_id in self.in_flight if attempt_id not in live]
        for attempt_id in gone:
            await self.advance(ChannelGone(attempt_id))
        return len(gone)
