"""An operator's result for one call, written whole or not at all.

One transaction holds everything a saved result is: the attempt's result and its target's next
call (an outbound call, or a callback attached to its target by 本人確認), the inbound call's
result (a callback), the operator's note, a number the resident gave (kept on the target, marked
as given, and called first from now on), and the access-log line. A caller whose identity was
not confirmed keeps the note, and the number and time they asked to be called back on, on the
inbound call only: nothing of it reaches a target's record. A database fault (the file
locked past ``busy_timeout``, the disk full) rolls all of it back: nothing is half-recorded, the
operator is still in wrap-up with the call, and their page sends the same result again. A result
found already written — a commit whose answer never reached the page — is not written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dialer.adapters.db import attempts, audit, inbound, screen_pop, targets
from dialer.adapters.db.attempts import DbAttemptStore
from dialer.adapters.db.engine import Connection
from dialer.adapters.db.screen_pop import NoteEntry
from dialer.domain.attempt import Phase
from dialer.domain.result_form import ResultForm


@dataclass(frozen=True)
class SavedResult:
    call_id: str
    target: tuple[int, int] | None  # (batch id, target id) the call is for, if known
    callback: bool  # a resident calling back (recorded with the inbound calls too)
    author_id: int
    author: str  # the operator's login, for the access log
    at: datetime
    form: ResultForm  # validated
    verified: bool = True  # an outbound call, or a callback whose identity was confirmed


async def write(conn: Connection, store: DbAttemptStore, saved: SavedResult) -> bool:
    """Write ``saved`` in ``conn``'s transaction; False when this call already has its result
    (nothing is written then)."""
    if await _already_recorded(conn, saved):
        return False
    form = saved.form
    if saved.callback and saved.verified:
        await inbound.set_result_in(conn, saved.call_id, form.code)
    elif saved.callback:
        await inbound.set_result_in(conn, saved.call_id, form.code, inbound.Unidentified(
            form.note, form.phone or None, form.appointment if form.phone else None,
            saved.author))
    if saved.target is not None:
        await store.finish_in(conn, saved.call_id, Phase.WRAP_UP, form.code, saved.at,
                              form.appointment)
        batch_id, target_id = saved.target
        await screen_pop.add_note(conn, NoteEntry(
            saved.call_id, batch_id, target_id, saved.author_id, saved.at, form.code,
            form.note, form.escalation, form.complaint, form.residents_voice,
            form.account_transfer))
        if form.phone and saved.verified:
            await targets.add_given_phone(conn, target_id, form.phone, saved.at)
    await audit.record(conn, saved.author, "result.save", f"call:{saved.call_id}",
                       code=form.code, escalation=form.escalation, complaint=form.complaint,
                       phone_given=bool(form.phone))
    return True


async def _already_recorded(conn: Connection, saved: SavedResult) -> bool:
    if saved.target is not None:  # the attempt has no result until the operator's is written
        found = await attempts.result_code(conn, saved.call_id)
    elif saved.callback:
        found = await inbound.result_code(conn, saved.call_id)
    else:
        return False
    return found is not None
