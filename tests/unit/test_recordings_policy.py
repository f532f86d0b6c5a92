"""The recording policy's pure rules: only a flag starts a recording, its life, retention, the
report for the city, sealing at rest (AES-GCM in chunks), and the Asterisk configuration
never recording a call by itself."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer import config
from dialer.pbx import render
from recordings_policy import dialplan, lifecycle, report, retention, sealing
from recordings_policy.emergency import flag, may_manage, reason_label
from recordings_policy.lifecycle import Event, RecordingRuleError, State

TOKYO = ZoneInfo("Asia/Tokyo")
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
FILE_ID = "0123456789abcdef0123456789abcdef"
PREFIX = b"\x01" * 8
ROOT = Path(__file__).resolve().parents[2]


# --- who, when ------------------------------------------------------------------------------
def test_a_recording_starts_only_from_an_emergency_flag() -> None:
    start = lifecycle.begin(flag("att-1", "threat", "granted"), FILE_ID)
    assert (start.call_id, start.file_id, start.reason) == ("att-1", FILE_ID, "threat")
    with pytest.raises(RecordingRuleError, match="32 lowercase"):
        lifecycle.begin(flag("att-1", "threat", "granted"), "att-1-09012345678")


def test_only_managers_and_admins_manage_recordings() -> None:
    assert may_manage("manager") and may_manage("admin")
    assert not may_manage("operator") and not may_manage("")


def test_the_life_of_a_recording_is_a_table() -> None:
    assert lifecycle.step(State.RECORDING, Event.ENDED) is State.STORED
    assert lifecycle.step(State.RECORDING, Event.FAILED) is State.FAILED
    assert lifecycle.step(State.STORED, Event.ERASED) is State.ERASED
    assert lifecycle.step(State.FAILED, Event.ERASED) is State.ERASED
    with pytest.raises(RecordingRuleError, match="stop the recording"):
        lifecycle.step(State.RECORDING, Event.ERASED)
    for state in State:
        for event in Event:
            if (state, event) not in lifecycle.TRANSITIONS:
                with pytest.raises(RecordingRuleError):
                    lifecycle.step(state, event)
    assert not lifecycle.may_acknowledge(State.RECORDING)
    assert lifecycle.may_acknowledge(State.STORED)


def test_file_names_carry_nothing_but_a_random_id() -> None:
    assert lifecycle.spool_name(FILE_ID) == f"{FILE_ID}.wav"
    assert lifecycle.store_name(FILE_ID) == f"{FILE_ID}.rec"
    for bad in ("", "../" + FILE_ID[3:], FILE_ID.upper(), FILE_ID + "0", "09012345678"):
        with pytest.raises(RecordingRuleError):
            lifecycle.store_name(bad)


def test_retention() -> None:
    ended = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
    assert retention.expires(ended, 90) == ended + timedelta(days=90)
    assert not retention.is_due(ended, ended + timedelta(days=89, hours=23), 90)
    assert retention.is_due(ended, ended + timedelta(days=90), 90)
    assert not retention.is_due(None, ended + timedelta(days=900), 90)  # still running
    assert retention.cutoff(ended, 1) == ended - timedelta(days=1)
    with pytest.raises(ValueError, match="between"):
        retention.expires(ended, 0)


# --- the report -----------------------------------------------------------------------------
def _facts(**changes: object) -> report.ReportFacts:
    at = datetime(2027, 1, 12, 3, 0, 5, tzinfo=UTC)
    values: dict[str, object] = dict(
        file_id=FILE_ID, call_id="att-1", flagged_at=at, flagged_by="op1", reason="other",
        reason_text="刃物を持っていると発言", consent="refused", started_at=at,
        ended_at=at + timedelta(seconds=42), duration_s=41.96, stopped_by="",
        state=State.STORED)
    values.update(changes)
    return report.ReportFacts(**values)  # type: ignore[arg-type]


def test_the_report_names_when_which_call_who_why_consent_and_how_long() -> None:
    values = report.values(_facts(), TOKYO)
    assert values["flagged_at"] == "2027-01-12T12:00:05+09:00"
    assert values["reason"] == "その他（内容を記入）"
    assert values["reason_text"] == "刃物を持っていると発言"
    assert reason_label("other", "刃物") == "その他（刃物）"
    assert values["consent"] == "同意を得られなかった"
    assert values["duration_s"] == "42.0" and values["ended_by"] == "通話終了"
    assert [k for k, _h in report.FIELDS] == list(values)
    assert report.file_stem(_facts(), TOKYO) == f"recordings/録音報告_20270112_{FILE_ID}"
    stopped = report.values(_facts(stopped_by="kanri"), TOKYO)
    assert stopped["ended_by"] == "業務管理者 kanri が停止"
    failed = report.values(_facts(state=State.FAILED, failure="the call has already ended",
                                  ended_at=None, duration_s=None), TOKYO)
    assert failed["ended_by"].startswith("録音できず") and failed["duration_s"] == ""
    erased = _facts(state=State.ERASED, erased_by="kanri", erasure="市の指示 R8-1")
    assert report.file_stem(erased, TOKYO).startswith("recordings/録音消去報告_")
    assert reason_label("threat") == "脅迫・威圧"


# --- sealing --------------------------------------------------------------------------------
def _sealed(data: bytes, chunk: int = 1000, key: bytes = KEY, file_id: str = FILE_ID) -> bytes:
    return b"".join(sealing.seal([data[i:i + 333] for i in range(0, len(data), 333)] or [b""],
                                 key, file_id, PREFIX, chunk))


def _open(blob: bytes, key: bytes = KEY, file_id: str = FILE_ID) -> bytes:
    return b"".join(sealing.unseal(io.BytesIO(blob).read, key, file_id))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=5000), st.integers(1, 1500))
def test_sealing_round_trips_any_data_in_any_chunking(data: bytes, chunk: int) -> None:
    blob = _sealed(data, chunk)
    assert _open(blob) == data
    assert len(data) < 16 or data not in blob  # (a short one can occur by chance)


def test_a_wrong_key_another_id_or_any_change_is_refused() -> None:
    data = bytes(range(256)) * 20
    blob = _sealed(data)
    assert _open(blob) == data
    with pytest.raises(sealing.SealError, match="another key"):
        _open(blob, OTHER_KEY)
    with pytest.raises(sealing.SealError, match="does not decrypt"):
        _open(blob, file_id="f" * 32)  # renamed to another recording's id
    header = sealing.HEADER.size
    frame = sealing.LENGTH.size + 1000 + sealing.TAG_BYTES
    chunks = [blob[header + i * frame: header + (i + 1) * frame] for i in range(5)]
    cases = {
        "flipped bit": blob[:100] + bytes([blob[100] ^ 1]) + blob[101:],
        "cut at a chunk boundary": blob[:header + 2 * frame],
        "cut inside a chunk": blob[:-7],
        "chunks swapped": blob[:header] + chunks[1] + chunks[0] + blob[header + 2 * frame:],
        "chunk dropped": blob[:header] + chunks[0] + blob[header + 2 * frame:],
        "not sealed": b"RIFF" + blob[4:],
    }
    for name, damaged in cases.items():
        with pytest.raises(sealing.SealError):
            _open(damaged)
            pytest.fail(name)


def test_a_data_key_unwraps_only_under_its_recordings_key_for_its_own_recording() -> None:
    data_key = bytes(range(32))
    wrapped = sealing.wrap(KEY, data_key, FILE_ID, b"\x01" * 12)
    assert len(wrapped) == sealing.WRAPPED_BYTES and data_key not in wrapped
    assert sealing.unwrap(KEY, wrapped, FILE_ID) == data_key
    assert sealing.wrap(KEY, data_key, FILE_ID, b"\x02" * 12) != wrapped  # the nonce
    refused = {
        "was destroyed": b"",
        "wrapped under another recordings key": sealing.wrap(OTHER_KEY, data_key, FILE_ID,
                                                             b"\x01" * 12),
        "does not unwrap": wrapped[:-1] + bytes([wrapped[-1] ^ 1]),
        "not a wrapped key": wrapped[:-1],
    }
    for message, bad in refused.items():
        with pytest.raises(sealing.SealError, match=message):
            sealing.unwrap(KEY, bad, FILE_ID)
    with pytest.raises(sealing.SealError, match="another recording's"):
        sealing.unwrap(KEY, wrapped, "f" * 32)


def test_the_format_byte_says_which_key_seals_and_cannot_be_changed() -> None:
    data = b"audio" * 500
    v2 = b"".join(sealing.seal([data], KEY, FILE_ID, PREFIX, magic=sealing.MAGIC_DATA_KEY))
    assert sealing.magic_of(v2) == sealing.MAGIC_DATA_KEY
    assert sealing.magic_of(_sealed(data)) == sealing.MAGIC
    assert b"".join(sealing.unseal(io.BytesIO(v2).read, KEY, FILE_ID,
                                   sealing.MAGIC_DATA_KEY)) == data
    with pytest.raises(sealing.SealError, match="another format"):
        _open(v2)  # a format-2 file is never opened as format 1 (with the recordings key)
    as_v1 = sealing.MAGIC + v2[len(sealing.MAGIC):]
    with pytest.raises(sealing.SealError, match="does not decrypt"):
        _open(as_v1)  # the format byte is in every chunk's associated data
    with pytest.raises(sealing.SealError, match="unknown format"):
        list(sealing.seal([data], KEY, FILE_ID, PREFIX, magic=b"SDRREC\x00\x09"))
    with pytest.raises(sealing.SealError, match="not a sealed recording"):
        sealing.magic_of(b"SDRREC\x00\x09")


def test_the_key_id_reveals_nothing_of_the_key() -> None:
    assert sealing.key_id(KEY) != sealing.key_id(OTHER_KEY)
    assert KEY[:8] not in sealing.key_id(KEY) and len(sealing.key_id(KEY)) == 8
    with pytest.raises(sealing.SealError):
        sealing.key_id(b"short")


# --- nothing in Asterisk's configuration records by itself ----------------------------------
@pytest.mark.parametrize("sandbox", [False, True])
def test_no_path_in_the_rendered_asterisk_configuration_records(sandbox: bool) -> None:
    files = render.render(config.load(None), today=datetime(2026, 11, 27).date(),
                          sandbox=sandbox)
    assert {"extensions.conf", "queues.conf", "features.conf", "modules.conf"} <= set(files)
    assert dialplan.findings(files) == []


def test_the_check_finds_every_way_of_recording() -> None:
    files = {
        "extensions.conf": "\n".join([
            "exten => s,1,MixMonitor(/tmp/x.wav)",
            " same => n,Monitor(wav,x)",
            " same => n,Record(/tmp/y.wav)",
            " same => n,Dial(PJSIP/a,10,tX)",
            " same => n,Queue(q,Wt)",
            " same => n,ChanSpy(${X},qr)",
            " same => n,ExtenSpy(1@x,r(/tmp/z))",
            " same => n,Exec(${APP})",
            " same => n,System(arecord)",
            " same => n,Originate(Local/a@b,app,MixMonitor,x.wav)",
            " same => n(record),Wait(1) ; MixMonitor(in a comment) is fine",
            " same => n,ChanSpy(${X},qEuS)",
            " same => n,Dial(PJSIP/a,10,tT)",
            " same => n,Bridge(${C},F(operator-session^s^wait))",
        ]),
        "queues.conf": "[q]\nmonitor-format = wav\nmonitor-type = MixMonitor\n",
        "features.conf": "[featuremap]\nautomixmon => *3\nautomon = *1\n",
        "confbridge.conf": "[b]\nrecord_conference = yes\n",
    }
    found = dialplan.findings(files)
    lines = {(f.file, f.line) for f in found}
    assert {("extensions.conf", n) for n in range(1, 11)} <= lines
    assert not {("extensions.conf", n) for n in range(11, 15)} & lines
    assert {("queues.conf", 2), ("queues.conf", 3), ("features.conf", 2),
            ("features.conf", 3), ("confbridge.conf", 2)} <= lines


def test_only_the_recorder_ever_asks_asterisk_to_record() -> None:
    """No other service code sends MixMonitor (or Monitor) over the AMI or through AGI: the AMI
    adapter alone names the action (its ``start_mixmonitor`` verb), the recorder alone uses it."""
    senders, users = set(), set()
    for path in (ROOT / "dialer").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"['\"](Mix)?Monitor['\"]|EXEC\s+(Mix)?Monitor", text):
            senders.add(path.relative_to(ROOT).as_posix())
        if re.search(r"\.start_mixmonitor\(", text):
            users.add(path.relative_to(ROOT).as_posix())
    assert senders == {"dialer/adapters/ami.py"}
    assert users == {"dialer/services/recordings/recorder.py"}


def test_recordings_are_kept_unless_the_configuration_opts_in() -> None:
    assert retention.DEFAULT_DAYS == retention.NEVER == 0
    assert not retention.automatic(0) and retention.automatic(90)


@pytest.mark.parametrize(("days", "ok"), [(0, True), (1, True), (3650, True), (-1, False),
                                          (3651, False)])
def test_retention_days_in_the_configuration(tmp_path: Path, days: int, ok: bool) -> None:
    from dialer import config
    from dialer.config import ConfigError

    (tmp_path / "dialer.toml").write_text(f"[recordings]\nretention_days = {days}\n")
    if ok:
        assert config.load(tmp_path / "dialer.toml").recordings.retention_days == days
    else:
        with pytest.raises(ConfigError, match="0 \\(kept until the city instructs\\)"):
            config.load(tmp_path / "dialer.toml")
