"""An emergency flag (pure): the only thing that may ever allow a call to be recorded.

SPEC "Recording": calls are recorded only in an emergency — threats, announced crimes, danger
to life, body or property — with the other party's consent where possible. The flag names the
reason category (free text required for "other") and the consent status.
"""

from __future__ import annotations

from dataclasses import dataclass

REASONS = {
    "threat": "脅迫・威圧",
    "crime": "犯罪の予告",
    "danger": "生命・身体・財産の危険",
    "other": "その他（内容を記入）",
}
CONSENTS = {
    "granted": "同意を得た",
    "refused": "同意を得られなかった",
    "not_asked": "同意を求められる状況ではなかった",
}
TEXT_MAX = 500


class FlagError(ValueError):
    """The flag is incomplete; the message says what is missing."""


@dataclass(frozen=True)
class EmergencyFlag:
    call_id: str
    reason: str
    consent: str
    reason_text: str = ""


def flag(call_id: str, reason: str, consent: str, reason_text: str = "") -> EmergencyFlag:
    if not call_id:
        raise FlagError("there is no call to flag")
    if reason not in REASONS:
        raise FlagError(f"reason: one of {', '.join(REASONS)}")
    if consent not in CONSENTS:
        raise FlagError(f"consent: one of {', '.join(CONSENTS)}")
    text = " ".join(reason_text.split())
    if reason == "other" and not text:
        raise FlagError("reason: describe the emergency")
    if len(text) > TEXT_MAX:
        raise FlagError(f"reason: at most {TEXT_MAX} characters")
    return EmergencyFlag(call_id, reason, consent, text)


# Who may flag a call (the operator on it, or a manager), and who may ever touch a recording:
# list, play, export, stop, acknowledge the report, erase. Operators never may.
FLAGGING_ROLES = frozenset({"operator", "manager", "admin"})
MANAGING_ROLES = frozenset({"manager", "admin"})


def may_manage(role: str) -> bool:
    """Whether ``role`` may list, play, export, stop or erase recordings."""
    return role in MANAGING_ROLES


def reason_label(reason: str, reason_text: str = "") -> str:
    """The reason category in Japanese, with the description for "other"."""
    label = REASONS.get(reason, reason)
    return f"その他（{reason_text}）" if reason == "other" and reason_text else label


def consent_label(consent: str) -> str:
    return CONSENTS.get(consent, consent)
