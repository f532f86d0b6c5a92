"""The operator console's service side: state changes, screen-pops, identity checks, results.

The web layer (agent_ui) only calls these methods and forwards what ``run`` publishes. The
moment an outbound call is bridged to an operator, their console receives the target's record
(from its batch only); a resident calling back first shows the candidates for 本人確認 — the
record opens only when the operator confirms one of them. Every record shown is in the access
log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from dialer.adapters.db import audit, emergencies, screen_pop, users
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.callers import CallerCandidate
from dialer.adapters.db.engine import Connection, Database
from dialer.adapters.db.screen_pop import TargetRecord
from dialer.config import Settings
from dialer.domain import debt_types, result_form, suspension
from dialer.domain.operators import Operator, SeatState
from dialer.domain.result_form import ResultForm
from dialer.services.callbacks.callers import CallerFinder
from dialer.services.calls.runner import CampaignRunner
from dialer.services.console import result_record, screen
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.result_record import SavedResult
from dialer.services.console.screen import CallView
from dialer.services.console.seats import SeatError
from dialer.services.console.sessions import OperatorSessions
from dialer.services.runtime.live import OPERATOR_TOPICS, LiveHub, Message, operator_topic
from recordings_policy import emergency
from recordings_policy.emergency import EmergencyFlag

log = logging.getLogger(__name__)

Candidates = Callable[[str], Sequence[CallerCandidate]]
EmergencyHook = Callable[[EmergencyFlag, str], Awaitable[None]]


class ConsoleError(ValueError):
    """The operator asked for something impossible now; the message says what."""


@dataclass(frozen=True)
class Actor:
    user_id: int
    login: str


class OperatorConsole:
    def __init__(self, database: Database, pool: OperatorPool, sessions: OperatorSessions,
                 runner: CampaignRunner, store: DbAttemptStore, candidates: Candidates,
                 settings: Callable[[], Settings], clock: Callable[[], datetime],
                 hub: LiveHub, on_emergency: EmergencyHook | None = None,
                 finder: CallerFinder | None = None) -> None:
        self._db, self._pool, self._sessions = database, pool, sessions
        self._finder = finder
        self._runner, self._store, self._candidates = runner, store, candidates
        self._settings, self._clock, self.hub = settings, clock, hub
        self._on_emergency = on_emergency
        self._changes: asyncio.Queue[Operator] = asyncio.Queue()
        self.calls: dict[int, CallView] = {}  # user id -> the call on their screen
        self._saving: dict[int, asyncio.Lock] = {}  # user id -> their save in progress
        self._saved: dict[int, tuple[str, str]] = {}  # user id -> (save id, call) last saved
        pool.on_change(self._changes.put_nowait)

    # --- what the console shows ----------------------------------------------------------
    async def run(self) -> None:
        """For the service's lifetime: every operator change goes to their console."""
        while True:
            op = await self._changes.get()
            try:
                await self.changed(op)
            except Exception:  # one bad record must not stop the pushes for everyone
                log.exception("console update for operator %s failed", op.user_id)

    async def changed(self, op: Operator) -> None:
        call = self.calls.get(op.user_id)
        if op.state is SeatState.ON_CALL and op.attempt_id and (
                call is None or call.call_id != op.attempt_id):
            call = await self._open_call(op)
        elif op.state in (SeatState.READY, SeatState.OFFLINE, SeatState.PAUSED):
            self.calls.pop(op.user_id, None)
            call = None
        self.hub.publish(operator_topic(op.user_id), self.state_message(op, call))

    async def _open_call(self, op: Operator) -> CallView:
        call_id = op.attempt_id or ""
        if call_id in self._runner.callbacks:
            found = list(self._candidates(call_id))
            call = CallView(call_id, "callback", found, started=self._clock())
            if found:
                await self._log(op.login, "callers.view", f"call:{call_id}",
                                candidates=len(found))
        else:
            call = CallView(call_id, "outbound", [], verified=True, started=self._clock())
            call.record = await self._view_call(op.login, call_id)
        self.calls[op.user_id] = call
        return call

    async def _view_call(self, login: str, call_id: str) -> TargetRecord | None:
        """The record of the target this call is for (one transaction: find, load, log)."""
        async with self._db.transaction() as conn:
            where = await screen_pop.call_target(conn, call_id)
            return await _shown(conn, login, *where, via="screenpop") if where else None

    async def _call_target(self, call_id: str) -> tuple[int, int] | None:
        async with self._db.connect() as conn:
            return await screen_pop.call_target(conn, call_id)

    async def _view(self, login: str, batch_id: int, target_id: int, via: str
                    ) -> TargetRecord | None:
        async with self._db.transaction() as conn:
            return await _shown(conn, login, batch_id, target_id, via)

    async def _log(self, actor: str, action: str, obj: str, **detail: object) -> None:
        async with self._db.transaction() as conn:
            await audit.record(conn, actor, action, obj, **detail)

    def state_message(self, op: Operator | None, call: CallView | None) -> Message:
        return screen.state_message(op, call, self._halted(), self._settings(), self._clock())

    def _halted(self) -> list[str]:
        """What the city's orders halt now, in words (the console's banner)."""
        names = {d.code: d.name for d in self._settings().debt_types}
        return suspension.summary(self._runner.suspension, names)

    def suspension_changed(self) -> None:
        """A suspension order was recorded or released: every open console's banner changes
        at once (a message of its own: the screen-pop is not sent again)."""
        message: Message = {"type": "suspension", "suspension": self._halted()}
        for topic in self.hub.topics(OPERATOR_TOPICS):
            self.hub.publish(topic, message)

    async def snapshot(self, actor: Actor) -> Message:
        """The console's full state (page load, reconnect); a record shown again is a view."""
        op = self._op(actor.user_id)
        call = self.calls.get(actor.user_id)
        if call is not None and call.record is not None:
            await self._log(actor.login, "record.view", f"target:{call.record.target_id}",
                            batch=call.record.batch_id, via="reload")
        return self.state_message(op, call)

    def _op(self, user_id: int) -> Operator | None:
        try:
            return self._pool.get(user_id)
        except KeyError:
            return None

    def seats_taken(self) -> dict[str, str]:
        return {op.seat: op.login for op in self._pool.all() if op.state is not SeatState.OFFLINE}

    # --- state changes -------------------------------------------------------------------
    async def go_ready(self, actor: Actor, seat: str) -> Operator:
        known = {s.name for s in self._settings().seats}
        if seat not in known:
            raise ConsoleError(f"unknown seat {seat!r}")
        holder = self.seats_taken().get(seat)
        if holder is not None and holder != actor.login:
            raise ConsoleError(f"seat {seat} is in use by another operator")
        op = self._op(actor.user_id)
        if op is not None and op.seat != seat and op.state is not SeatState.OFFLINE:
            raise ConsoleError(f"you are on seat {op.seat}: leave it first")
        if op is not None and op.seat != seat:
            self._pool.disconnect(actor.user_id, self._clock())
            op = None
        async with self._db.connect() as conn:
            skills = await users.skills(conn, actor.user_id)
        try:
            result = await self._sessions.go_ready(actor.user_id, actor.login, seat, skills)
        except SeatError as exc:
            raise ConsoleError(str(exc)) from exc
        except Exception as exc:
            raise ConsoleError(f"the seat phone did not connect: {exc}") from exc
        await self._log(actor.login, "operator.ready", f"seat:{seat}")
        return result

    async def pause(self, actor: Actor, reason: str) -> Operator:
        reason = " ".join(reason.split())[:60] or "休憩"
        op = self._require(actor, SeatState.READY, "pause")
        # logged first: a database that cannot take the line leaves the operator as they were
        await self._log(actor.login, "operator.pause", f"seat:{op.seat}", reason=reason)
        op = self._require(actor, SeatState.READY, "pause")  # a call may have come meanwhile
        return self._sessions.pause(op.user_id, reason)

    async def leave(self, actor: Actor) -> Operator:
        op = self._op(actor.user_id)
        if op is None or op.state is SeatState.OFFLINE:
            raise ConsoleError("you are not on a seat")
        if op.state in (SeatState.ON_CALL, SeatState.WRAP_UP, SeatState.RESERVED):
            raise ConsoleError("finish the call and save its result first")
        op = await self._sessions.leave(actor.user_id)
        await self._log(actor.login, "operator.leave", f"seat:{op.seat}")
        return op

    def _require(self, actor: Actor, state: SeatState, what: str) -> Operator:
        op = self._op(actor.user_id)
        if op is None or op.state is not state:
            now = op.state.value if op else "offline"
            raise ConsoleError(f"cannot {what} while {now}")
        return op

    async def end_call(self, actor: Actor) -> None:
        self._require(actor, SeatState.ON_CALL, "hang up")
        await self._runner.end_call(actor.user_id)

    # --- callbacks: identity (本人確認) --------------------------------------------------
    async def search_callers(self, actor: Actor, kind: str, typed: str) -> Message:
        """Search the open batches for the caller on the operator's line (a callback whose
        identity is not confirmed yet): the matches join the candidates to confirm."""
        op = self._op(actor.user_id)
        call = self.calls.get(actor.user_id)
        if op is None or op.state is not SeatState.ON_CALL or call is None \
                or call.kind != "callback" or call.verified:
            raise ConsoleError("search only while a caller to identify is on your line")
        if self._finder is None:
            raise ConsoleError("the caller search is not available")
        found = await self._finder(actor.login, call.call_id, kind, typed)  # SearchError: 400
        call.found, call.more = found.candidates, found.more
        message = self.state_message(op, call)
        self.hub.publish(operator_topic(actor.user_id), message)
        return message

    async def identify(self, actor: Actor, target_id: int, verified: bool) -> Message:
        """The operator confirmed who is calling (``verified``), or could not: the call is
        attached to that candidate either way; only a confirmed identity opens the record."""
        op = self._op(actor.user_id)
        call = self.calls.get(actor.user_id)
        if op is None or call is None or call.kind != "callback":
            raise ConsoleError("no callback on your line")
        if call.record is not None or (call.verified and verified):
            raise ConsoleError("identity already confirmed")
        chosen = next((c for c in call.offered() if c.target_id == target_id), None)
        if chosen is None:
            raise ConsoleError("not one of this caller's candidates")
        if not await self._store.exists(call.call_id):
            await self._store.open_callback(call.call_id, chosen.batch_id, chosen.target_id,
                                            actor.user_id, self._clock())
        await self._log(actor.login, "identity.verified" if verified else "identity.failed",
                        f"target:{target_id}", batch=chosen.batch_id, call=call.call_id)
        call.candidates, call.found, call.more = [chosen], [], False
        if verified:
            call.verified = True
            call.record = await self._view(actor.login, chosen.batch_id, chosen.target_id,
                                           via="identity")
        message = self.state_message(op, call)
        self.hub.publish(operator_topic(actor.user_id), message)
        return message

    # --- results -------------------------------------------------------------------------
    async def save_result(self, actor: Actor, form: ResultForm, save_id: str = "") -> str:
        """Record the operator's result for their call: the database first, in one transaction
        (result_record), then the operator is free. A database fault changes nothing, so the
        page sends the same save again; a save sent again after it was done (same
        ``save_id``: its answer was lost) is answered as the success it was, never recorded
        twice. One save at a time per operator."""
        async with self._saving.setdefault(actor.user_id, asyncio.Lock()):
            done = self._saved.get(actor.user_id)
            if save_id and done is not None and done[0] == save_id:
                return done[1]
            call_id = await self._save(actor, form)
            self._saved[actor.user_id] = (save_id, call_id)
            return call_id

    async def _save(self, actor: Actor, form: ResultForm) -> str:
        op = self._op(actor.user_id)
        if op is None or op.attempt_id is None or op.state not in (SeatState.ON_CALL,
                                                                   SeatState.WRAP_UP):
            raise ConsoleError("no call to record")
        call_id = op.attempt_id
        call = self.calls.get(actor.user_id)
        target = await self._call_target(call_id)
        debt = (debt_types.by_code(call.record.debt_type, self._settings().debt_types)
                if call and call.record else None)
        now = self._clock()
        form = result_form.validate(form, self._settings().classification, debt, now)
        if call is not None and call.kind == "callback" and not call.verified \
                and form.code != _not_verified_code(self._settings()):
            raise ConsoleError("confirm the caller's identity first (or record 204)")
        if op.state is SeatState.ON_CALL:
            await self._runner.end_call(actor.user_id)
            await self._wait_wrap_up(actor.user_id)
        saved = SavedResult(call_id, target, call_id in self._runner.callbacks, actor.user_id,
                            actor.login, now, form,
                            verified=call_id not in self._runner.callbacks
                            or (call is not None and call.verified))
        async with self._db.transaction() as conn:
            written = await result_record.write(conn, self._store, saved)
        if not written:
            log.warning("call %s: its result was already recorded; not written again", call_id)
        self._runner.result_recorded(actor.user_id, call_id)
        self.calls.pop(actor.user_id, None)
        log.info("call %s: result %s saved by operator %s", call_id, form.code, actor.user_id)
        return call_id

    async def _wait_wrap_up(self, user_id: int, timeout_s: float = 5.0) -> None:
        """After hanging up for the operator: the hangup event moves them to wrap-up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._pool.get(user_id).state is SeatState.ON_CALL:
            if loop.time() > deadline:
                raise ConsoleError("the call did not end; try again")
            await asyncio.sleep(0.02)

    # --- emergency -----------------------------------------------------------------------
    async def flag_emergency(self, actor: Actor, reason: str, consent: str,
                             reason_text: str = "") -> EmergencyFlag:
        op = self._op(actor.user_id)
        if op is None or op.state is not SeatState.ON_CALL or not op.attempt_id:
            raise ConsoleError("an emergency can only be flagged during a call")
        flag = emergency.flag(op.attempt_id, reason, consent, reason_text)
        async with self._db.transaction() as conn:
            await emergencies.add(conn, flag, actor.login, self._clock())
            await audit.record(conn, actor.login, "emergency.flag", f"call:{flag.call_id}",
                               reason=flag.reason, consent=flag.consent)
        log.warning("emergency flagged on call %s by %s (%s)", flag.call_id, actor.login,
                    flag.reason)
        if self._on_emergency is not None:
            await self._on_emergency(flag, actor.login)
        return flag


async def _shown(conn: Connection, login: str, batch_id: int, target_id: int, via: str
                 ) -> TargetRecord | None:
    """Load a record for display; the view is in the access log before it is shown."""
    found = await screen_pop.record(conn, batch_id, target_id)
    if found is not None:
        await audit.record(conn, login, "record.view", f"target:{target_id}", batch=batch_id,
                           via=via)
    return found


def _not_verified_code(settings: Settings) -> str:
    """The classification's "identity could not be verified" code (204 by default)."""
    for code in settings.classification.codes:
        if "本人確認" in code.label and not code.contact and not code.system:
            return code.code
    return "204"
