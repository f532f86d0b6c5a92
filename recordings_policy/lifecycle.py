"""A recording's life (pure): started by an emergency flag, stored encrypted when it ends,
erased on the city's instruction or at the retention limit — and what its files are called.

Nothing else ever starts a recording: the only way in is :func:`begin` with an
:class:`~recordings_policy.emergency.EmergencyFlag`. Every move is in ``TRANSITIONS``; any other
move raises :class:`RecordingRuleError`.

File names carry no personal data: a random 32-hex-digit file id, nothing else (no number, no
name, no call id, no date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from recordings_policy.emergency import EmergencyFlag


class State(StrEnum):
    RECORDING = "recording"  # MixMonitor runs on the call
    STORED = "stored"  # ended; encrypted in the store; reported
    FAILED = "failed"  # never recorded (call already gone, Asterisk refused); reported
    ERASED = "erased"  # the file is destroyed; the row remains as the record


class Event(StrEnum):
    ENDED = "ended"  # the call ended or a manager stopped it; the file went to the store
    FAILED = "failed"
    ERASED = "erased"


TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.RECORDING, Event.ENDED): State.STORED,
    (State.RECORDING, Event.FAILED): State.FAILED,
    (State.STORED, Event.ERASED): State.ERASED,
    (State.FAILED, Event.ERASED): State.ERASED,
}
ERASURE_REASONS = {
    "instruction": "市の指示による消去",
    "retention": "保存期間満了による消去",
}
FILE_ID = re.compile(r"[0-9a-f]{32}")
SPOOL_SUFFIX = ".wav"  # what MixMonitor writes (8 kHz mono 16-bit), plain, only while recording
STORE_SUFFIX = ".rec"  # the encrypted file in the store


class RecordingRuleError(ValueError):
    """The move is not allowed; the message says why."""


@dataclass(frozen=True)
class Start:
    """What the recorder needs to start recording a flagged call."""

    call_id: str
    file_id: str
    reason: str
    consent: str


def begin(flag: EmergencyFlag, file_id: str) -> Start:
    """The one way a recording starts: an emergency flag (already validated) and a fresh id."""
    if not flag.call_id:
        raise RecordingRuleError("there is no call to record")
    check_file_id(file_id)
    return Start(flag.call_id, file_id, flag.reason, flag.consent)


def step(state: State, event: Event) -> State:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        if state is State.RECORDING and event is Event.ERASED:
            raise RecordingRuleError("stop the recording before erasing it") from None
        raise RecordingRuleError(f"a {state} recording cannot be {event}") from None


def may_acknowledge(state: State) -> bool:
    """A report exists (and can be acknowledged) once the recording is over."""
    return state in (State.STORED, State.FAILED, State.ERASED)


def check_file_id(file_id: str) -> str:
    if not FILE_ID.fullmatch(file_id):
        raise RecordingRuleError("a file id is 32 lowercase hexadecimal digits")
    return file_id


def spool_name(file_id: str) -> str:
    return check_file_id(file_id) + SPOOL_SUFFIX


def store_name(file_id: str) -> str:
    return check_file_id(file_id) + STORE_SUFFIX


def erasure_reason(reason: str) -> str:
    if reason not in ERASURE_REASONS:
        raise RecordingRuleError(f"erasure reason: one of {', '.join(ERASURE_REASONS)}")
    return reason
