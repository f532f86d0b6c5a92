"""What an operator's console shows, as the JSON its page receives: the operator's state, the
call on their screen (a callback's candidates until 本人確認, then the record), the banner of the
city's orders. Built from the service's state; no I/O here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from dialer.adapters.db.callers import CallerCandidate
from dialer.adapters.db.screen_pop import TargetRecord
from dialer.config import Settings
from dialer.domain import debt_types
from dialer.domain.operators import Operator, SeatState
from dialer.services.runtime.live import Message


@dataclass
class CallView:
    """What the operator's console is showing for their current call."""

    call_id: str
    kind: str  # "outbound" or "callback"
    candidates: list[CallerCandidate]  # a callback: the targets called on its number
    record: TargetRecord | None = None
    verified: bool = False  # callback: identity confirmed (or the call is outbound)
    started: datetime | None = None
    found: list[CallerCandidate] = field(default_factory=list)  # the operator's last search
    more: bool = False  # that search matched more than it shows

    def offered(self) -> list[CallerCandidate]:
        """Every candidate the operator may confirm: by number, then those searched."""
        known = {c.target_id for c in self.candidates}
        return [*self.candidates, *(c for c in self.found if c.target_id not in known)]


def state_message(op: Operator | None, call: CallView | None, halted: list[str],
                  settings: Settings, now: datetime | None = None) -> Message:
    """The console's whole state: the operator, the call on their screen, the banner.
    ``in_state_s`` is the time in state by the service's clock (the page adds what passed
    since; the browser's clock may differ, and the demo's clock is shifted)."""
    message: Message = {"type": "state", "state": op.state.value if op else "offline",
                        "seat": op.seat if op else "",
                        "since": op.since.isoformat() if op and op.since else None,
                        "in_state_s": max(0, int((now - op.since).total_seconds()))
                        if op and op.since and now else None,
                        "pause_reason": op.pause_reason if op else "", "call": None,
                        "notice": op.notice if op else "",
                        "result_pending": bool(op and op.state is SeatState.WRAP_UP
                                               and not op.channel),
                        "suspension": halted}
    if call is not None:
        message["call"] = call_json(call, settings)
    return message


def call_json(call: CallView, settings: Settings) -> dict[str, Any]:
    """A callback shows only debt type, 管理番号 and name of each candidate (by its number, and
    found by the operator's search) until identity is confirmed; then, like an outbound call,
    the record."""
    names = {d.code: d.name for d in settings.debt_types}
    body: dict[str, Any] = {"id": call.call_id, "kind": call.kind, "verified": call.verified,
                            "candidates": [], "found": [], "more": False, "record": None}
    if not call.verified:
        def shown(c: CallerCandidate) -> dict[str, Any]:
            return {"batch_id": c.batch_id, "target_id": c.target_id, "ref": c.ref,
                    "name": c.name, "debt_type": names.get(c.debt_type, c.debt_type)}
        body["candidates"] = [shown(c) for c in call.candidates]
        body["found"] = [shown(c) for c in call.found]
        body["more"] = call.more
    if call.record is not None:
        body["record"] = record_json(call.record, settings)
    return body


def record_json(rec: TargetRecord, settings: Settings) -> dict[str, Any]:
    """The screen-pop: the record with its debt type's name, result labels and whether the
    account-transfer prompt applies."""
    labels = {c.code: c.label for c in settings.classification.codes}
    debt = debt_types.by_code(rec.debt_type, settings.debt_types)
    data = asdict(rec)
    data["debt_type_name"] = debt.name if debt else rec.debt_type
    data["total"] = rec.total
    for call in data["calls"]:
        call["label"] = labels.get(call["result_code"] or "", "")
    for note in data["notes"]:
        note["label"] = labels.get(note["result_code"], "")
    data["transfer_designated"] = bool(debt and debt.account_transfer)
    jsonable: dict[str, Any] = _jsonable(data)
    return jsonable


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
