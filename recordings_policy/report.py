"""The recording report for the city (pure): what is reported as soon as a recording ends, and
the names of its files (SPEC "Recording": every recording is reported to the city promptly).

One report per recording: when, which call, who flagged it, the reason and the consent, how
long, the file id, how it ended. The call id and the file id are opaque ids; the report holds no
resident's name or number (the reason's free text is the flagger's description of the
emergency, which the city needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from recordings_policy.emergency import REASONS, consent_label
from recordings_policy.lifecycle import State, check_file_id

FOLDER = "recordings"  # inside the reports outbox
PREFIX = "録音報告"
ERASURE_PREFIX = "録音消去報告"

# (JSON key, CSV header)
FIELDS = (
    ("report", "報告種別"),
    ("file_id", "録音ファイルID"),
    ("call_id", "通話ID"),
    ("flagged_at", "緊急指定日時"),
    ("flagged_by", "指定者"),
    ("reason", "緊急事態の区分"),
    ("reason_text", "状況（指定者の記述）"),
    ("consent", "相手方の同意"),
    ("started_at", "録音開始"),
    ("ended_at", "録音終了"),
    ("duration_s", "録音時間（秒）"),
    ("ended_by", "終了の理由"),
    ("state", "状態"),
    ("erased_at", "消去日時"),
    ("erased_by", "消去者"),
    ("erasure", "消去の理由・指示番号"),
)
STATE_LABELS = {
    State.RECORDING: "録音中",
    State.STORED: "保管中（暗号化）",
    State.FAILED: "録音できず",
    State.ERASED: "消去済み",
}


@dataclass(frozen=True)
class ReportFacts:
    file_id: str
    call_id: str
    flagged_at: datetime
    flagged_by: str
    reason: str
    reason_text: str
    consent: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    stopped_by: str  # "" when the call ended, else the manager who stopped it
    state: State
    failure: str = ""
    erased_at: datetime | None = None
    erased_by: str = ""
    erasure: str = ""  # "<reason label> <the city's reference>"


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else ""


def ended_by(facts: ReportFacts) -> str:
    if facts.state is State.FAILED:
        return f"録音できず: {facts.failure}" if facts.failure else "録音できず"
    if facts.ended_at is None:
        return ""
    return f"業務管理者 {facts.stopped_by} が停止" if facts.stopped_by else "通話終了"


def values(facts: ReportFacts, tz: ZoneInfo) -> dict[str, str]:
    """The report's fields as text, keyed like ``FIELDS`` (times in the centre's zone)."""
    erased = facts.state is State.ERASED
    return {
        "report": "緊急時録音の消去報告" if erased else "緊急時録音の報告",
        "file_id": check_file_id(facts.file_id),
        "call_id": facts.call_id,
        "flagged_at": _local(facts.flagged_at, tz),
        "flagged_by": facts.flagged_by,
        "reason": REASONS.get(facts.reason, facts.reason),
        "reason_text": facts.reason_text,
        "consent": consent_label(facts.consent),
        "started_at": _local(facts.started_at, tz),
        "ended_at": _local(facts.ended_at, tz),
        "duration_s": "" if facts.duration_s is None else f"{facts.duration_s:.1f}",
        "ended_by": ended_by(facts),
        "state": STATE_LABELS[facts.state],
        "erased_at": _local(facts.erased_at, tz),
        "erased_by": facts.erased_by,
        "erasure": facts.erasure,
    }


def file_stem(facts: ReportFacts, tz: ZoneInfo) -> str:
    """``recordings/録音報告_<YYYYMMDD>_<file id>`` (the recording's start day, centre time);
    the erasure report is ``録音消去報告_…``."""
    day = facts.started_at.astimezone(tz).strftime("%Y%m%d")
    prefix = ERASURE_PREFIX if facts.state is State.ERASED else PREFIX
    return f"{FOLDER}/{prefix}_{day}_{check_file_id(facts.file_id)}"
