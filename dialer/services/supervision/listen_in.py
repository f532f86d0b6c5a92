"""Listen-in: a manager hears an operator's call on their own seat phone, listen only, never
recorded.

The service originates a call to the manager's phone (``PJSIP/<phone>``, a configured seat not
used by a logged-in operator); when it is answered, Asterisk runs ``ChanSpy`` on the call the
operator is on. What is spied is the *resident's* channel of that call, named by its unique id
(the attempt id of an outbound call, the caller's Uniqueid of a callback): it carries both
voices, and it ends when the call ends — the operator's own seat channel stays up between
calls (persistent seats), so spying on it would never end with the call.

ChanSpy options, ``qEuS`` (Asterisk 22):

* ``q`` no beep and no channel name spoken, to the manager or anybody;
* ``E`` exit (and so hang up the manager's phone) when the spied channel hangs up;
* ``u`` the argument is one exact channel (unique id), not a prefix: nothing else can be
  matched, and the manager's DTMF cannot build another channel name to spy on;
* ``S`` stop at once when that channel is already gone.

Never ``w``/``W`` (whisper), ``B`` (barge), ``d`` (DTMF mode switching to whisper/barge) nor
``r`` (records to the monitor spool): the manager's audio is never sent to anyone and nothing is
written. The Originate runs the application directly (no dialplan), so no dialplan line — and
none in ``asterisk_conf/`` runs MixMonitor or Monitor — can touch the manager's call.

Every start is written to the access log (``listen_in.start``) before the call is placed.
Asterisk needs ``app_chanspy.so`` loaded (``asterisk_conf/modules.conf``); without it the
request is refused (``ListenUnavailable``) rather than ringing a phone for nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from dialer.adapters.ami import AmiError, AmiLink, Originate
from dialer.adapters.db import audit
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.operators import Operator, SeatState
from dialer.services.console.operator_pool import OperatorPool

log = logging.getLogger(__name__)

CHANSPY_OPTIONS = "qEuS"
# whisper, private whisper, barge, DTMF mode switching, recording, exit to dialplan, enforced
FORBIDDEN_OPTIONS = frozenset("wWBdrXe")
RING_TIMEOUT_S = 30
MODULE = "app_chanspy"


class ListenRefused(ValueError):
    """Listening in is not possible now (the seat is not on a call, the phone is unknown…)."""


class ListenUnavailable(RuntimeError):
    """Asterisk cannot do it now (AMI down, ChanSpy not loaded)."""


@dataclass(frozen=True)
class ListenIn:
    channel_id: str  # the manager's call (our ChannelId)
    seat: str
    phone: str
    operator: str
    call_id: str  # the spied call


def chanspy_data(call_id: str) -> str:
    if not call_id or "," in call_id or "|" in call_id:
        raise ListenRefused("the call cannot be named to Asterisk")
    return f"{call_id},{CHANSPY_OPTIONS}"


def originate_request(phone: str, seat: str, call_id: str) -> Originate:
    """The Originate: ring the manager's phone, then spy on the call (no dialplan)."""
    return Originate(
        channel=f"PJSIP/{phone}",
        application="ChanSpy",
        data=chanspy_data(call_id),
        caller_id=f'"listen {seat}" <0>',
        timeout_ms=RING_TIMEOUT_S * 1000,
    )


class Listener:
    def __init__(self, link: AmiLink, settings: Callable[[], Settings], database: Database,
                 pool: OperatorPool) -> None:
        self._link, self._settings, self._db, self._pool = link, settings, database, pool

    def _check(self, seat: str, phone: str) -> Operator:
        seats = {s.name for s in self._settings().seats}
        if phone not in seats:
            raise ListenRefused(f"phone {phone!r} is not a configured seat phone")
        if phone == seat:
            raise ListenRefused("the phone to ring is the operator's own seat")
        operators = self._pool.all()
        if any(op.seat == phone and op.state is not SeatState.OFFLINE for op in operators):
            raise ListenRefused(f"phone {phone} is an operator's seat in use")
        op = next((o for o in operators if o.seat == seat and o.state is SeatState.ON_CALL
                   and o.attempt_id), None)
        if op is None:
            raise ListenRefused(f"seat {seat} is not on a call")
        return op

    async def _chanspy_loaded(self) -> bool:
        return await self._link.module_loaded(MODULE)

    async def start(self, actor: str, seat: str, phone: str) -> ListenIn:
        """Check, log, then ring ``phone``; raises ListenRefused / ListenUnavailable."""
        op = self._check(seat, phone)
        call_id = op.attempt_id or ""
        request = originate_request(phone, seat, call_id)
        try:
            if not self._link.connected:
                raise ListenUnavailable("Asterisk is not connected")
            if not await self._chanspy_loaded():
                raise ListenUnavailable("ChanSpy (app_chanspy.so) is not loaded in Asterisk")
        except AmiError as exc:
            raise ListenUnavailable(str(exc)) from None
        channel_id = f"listen-{uuid.uuid4().hex}"
        async with self._db.transaction() as conn:
            await audit.record(conn, actor, "listen_in.start", f"seat:{seat}", phone=phone,
                               operator=op.login, call=call_id, channel=channel_id)
        try:
            self._link.originate(request, channel_id)
        except AmiError as exc:
            raise ListenUnavailable(str(exc)) from None
        log.info("listen-in: %s listens to seat %s (call %s) on %s", actor, seat, call_id, phone)
        return ListenIn(channel_id, seat, phone, op.login, call_id)
