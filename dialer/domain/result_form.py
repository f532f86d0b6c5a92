"""What an operator may save as a call's result (pure): the form's rules.

The code comes from the classification table (never a system code). A code retried "at the
time agreed" needs that time, in the future and within the retry horizon. After a result that
calls for it, for debt types the city designates, the account-transfer recommendation
(口座振替の勧奨) must be answered. An escalating code (★/☆) is always an escalation; the
operator may mark any other call as one, as a complaint, or as a resident's voice for the
reports. A number the caller gives (to be called on from now, or to be called back on when
their identity could not be confirmed) must be a number the centre can dial.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dialer.domain import phone
from dialer.domain.debt_types import DebtType
from dialer.domain.outcomes import Classification, ResultCode, Retry, UnknownResultCode

TRANSFER_ANSWERS = {
    "recommended": "勧奨した（検討する）",
    "accepted": "口座振替を申し込む",
    "declined": "勧奨したが断られた",
    "already": "既に口座振替",
}
NOTE_MAX = 2000
APPOINTMENT_HORIZON = timedelta(days=60)


class FormError(ValueError):
    """The form cannot be saved as it is; the message says which field and why."""


@dataclass(frozen=True)
class ResultForm:
    code: str
    note: str = ""
    appointment: datetime | None = None
    account_transfer: str = ""
    escalation: bool = False
    complaint: bool = False
    residents_voice: bool = False
    phone: str = ""  # a number the caller gave (canonical once validated)


def asks_transfer(result: ResultCode, debt_type: DebtType | None) -> bool:
    return result.account_transfer and debt_type is not None and debt_type.account_transfer


def clean_note(text: str) -> str:
    """Printable text only (line breaks kept), trimmed."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return kept.strip()


def validate(form: ResultForm, table: Classification, debt_type: DebtType | None,
             now: datetime) -> ResultForm:
    try:
        result = table.get(form.code)
    except UnknownResultCode:
        raise FormError(f"result: unknown code {form.code!r}") from None
    if result.system:
        raise FormError(f"result: {form.code} is set by the dialer, not by an operator")
    note = clean_note(form.note)
    if len(note) > NOTE_MAX:
        raise FormError(f"note: at most {NOTE_MAX} characters")
    appointment = form.appointment
    if appointment is not None and appointment.tzinfo is None:
        raise FormError("appointment: a time zone is needed")
    if result.retry is Retry.APPOINTMENT and result.contact and appointment is None:
        raise FormError(f"appointment: {result.code} {result.label} needs the agreed time")
    if appointment is not None and not now < appointment <= now + APPOINTMENT_HORIZON:
        raise FormError("appointment: must be in the future, within 60 days")
    if result.retry is not Retry.APPOINTMENT:
        appointment = None
    transfer = form.account_transfer
    if asks_transfer(result, debt_type):
        if transfer not in TRANSFER_ANSWERS:
            raise FormError("account transfer: record the answer to the recommendation")
    elif transfer:
        raise FormError("account transfer: not asked for this result and debt type")
    return replace(form, note=note, appointment=appointment, phone=_given(form.phone),
                   escalation=form.escalation or result.escalation)


def _given(number: str) -> str:
    if not number.strip():
        return ""
    try:
        return phone.normalize(number)
    except phone.PhoneError as exc:
        raise FormError(f"phone: {exc}") from None
