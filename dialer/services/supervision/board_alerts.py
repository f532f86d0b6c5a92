"""Emergency alerts on the supervisor board: when a call is flagged as an emergency, every
manager watching the board gets a red banner at once.

The alert names the call, who flagged it, the reason category and the time — never the free
text (it may describe the resident) nor anything else personal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from dialer.adapters.db.recordings import RecordingRow
from dialer.services.runtime.live import BOARD, LiveHub
from recordings_policy.emergency import CONSENTS, REASONS, EmergencyFlag
from recordings_policy.report import STATE_LABELS


def alert_message(call_id: str, by: str, reason: str, at: datetime) -> dict[str, Any]:
    return {"type": "emergency", "call_id": call_id, "by": by, "reason": reason,
            "reason_label": REASONS.get(reason, reason), "at": at.isoformat()}


def emergency_alert(hub: LiveHub, flag: EmergencyFlag, login: str,
                    at: datetime | None = None) -> int:
    """Publish the alert to the board topic; how many boards received it."""
    return hub.publish(BOARD, alert_message(flag.call_id, login, flag.reason,
                                            at or datetime.now(UTC)))


def emergency_hook(hub: LiveHub, clock: Callable[[], datetime]
                   ) -> Callable[[EmergencyFlag, str], Awaitable[None]]:
    """``emergency_alert`` as the operator console's ``on_emergency`` hook."""
    async def hook(flag: EmergencyFlag, login: str) -> None:
        emergency_alert(hub, flag, login, clock())
    return hook


def recording_message(row: RecordingRow) -> dict[str, Any]:
    """An emergency recording on the board until its report is acknowledged: ids, who flagged
    it, the reason category, the consent, times and state — never the free text."""
    return {"id": row.id, "file_id": row.file_id, "call_id": row.call_id,
            "state": row.state.value, "state_label": STATE_LABELS[row.state],
            "flagged_by": row.flagged_by, "reason": row.reason,
            "reason_label": REASONS.get(row.reason, row.reason),
            "consent_label": CONSENTS.get(row.consent, row.consent),
            "started_at": row.started_at.isoformat(),
            "ended_at": row.ended_at.isoformat() if row.ended_at else None,
            "duration_s": row.duration_s, "stopped_by": row.stopped_by,
            "failure": row.failure}
