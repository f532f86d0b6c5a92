"""Hostile AMI input (issue #12): random, garbled and truncated events and streams.

- ``translate`` never raises: any mapping gives a domain event or None, and an event always
  names its channel with a non-empty string;
- what panoramisk makes of a garbled byte stream, read in place by the adapter's translator
  (``translate_fields`` on panoramisk's header store), translates the same way;
- the project's own little AMI parser (``wait_fully_booted``, used by the sandbox) answers a
  garbled, truncated or oversized stream with ``AmiError`` — never another exception.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from panoramisk.message import Message

from dialer.adapters.ami import AmiError, wait_fully_booted
from dialer.adapters.ami_events import Fields, translate, translate_fields
from dialer.domain import call_events

ID = "att-1"
EVENT_NAMES = ("DialEnd", "Hangup", "Newstate", "OriginateResponse", "FullyBooted", "Shutdown",
               "BridgeEnter", "AgentConnect", "UserEvent", "VarSet", "Newexten",
               "QueueCallerJoin", "QueueCallerAbandon", "MixMonitorStop", "HangupRequest", "Cdr")
KEYS = ("Event", "Uniqueid", "DestUniqueid", "DialStatus", "Cause", "ChannelState", "ChannelId",
        "Response", "Reason", "UserEvent", "Result", "MemberName", "Queue", "Timestamp",
        "Position", "HoldTime", "Application", "AppData", "Context", "State", "Channel")
ODD_VALUES = ("", " ", "<null>", ID, "other", "6", "16", "17", "4", "ANSWER", "BUSY", "answer",
              "Success", "Failure", "SUCCESS", "NONEXISTENT", "DialerBridgeEnded",
              "DialerGateFallback", "Playback", "callback", "nan", "inf", "-1", "1e9", "0x10",
              "１６", "9" * 5000, "\x00", "\r\n", "Event: Hangup")
EVENT_TYPES = get_args(call_events.CallEvent)


def cased(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.lower(), name.upper(), f" {name}", f"{name}\r"])


values = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=40))
event_names = st.one_of(st.sampled_from(EVENT_NAMES).flatmap(cased), st.text(max_size=20))


@st.composite
def raw_events(draw: st.DrawFn) -> dict[str, str]:
    """An AMI event as the adapter hands it over: a flat str -> str mapping, any fields."""
    raw = draw(st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=12)), values,
                               max_size=8))
    name = draw(st.one_of(st.none(), event_names))
    if name is not None:
        raw["Event"] = name
    return raw


def check_translated(raw: dict[str, str]) -> None:
    check_event(translate(raw))


def check_event(event: call_events.CallEvent | None) -> None:
    assert event is None or isinstance(event, EVENT_TYPES)
    if event is not None and hasattr(event, "channel_id"):
        assert isinstance(event.channel_id, str) and event.channel_id


@settings(max_examples=600, deadline=timedelta(milliseconds=500), derandomize=True)
@given(raw_events())
def test_translate_never_raises_on_any_event(raw: dict[str, str]) -> None:
    check_translated(raw)


@settings(max_examples=300, deadline=timedelta(milliseconds=500), derandomize=True)
@given(st.dictionaries(st.text(max_size=12), values, max_size=6), st.sampled_from(EVENT_NAMES))
def test_known_events_with_missing_or_garbage_fields(fields: dict[str, str], name: str) -> None:
    check_translated({**fields, "Event": name})
    for key in list(fields):  # and with each field taken away in turn
        check_translated({k: v for k, v in fields.items() if k != key} | {"Event": name})


def wire(headers: list[tuple[str, str]]) -> str:
    return "".join(f"{k}: {v}\r\n" for k, v in headers)


garbage_lines = st.one_of(
    st.tuples(st.sampled_from(KEYS), values).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.text(max_size=40),
    st.sampled_from(["Event:", ": x", "Event: Hangup: 16", "Response: Follows", "--END--"]),
)


@settings(max_examples=300, deadline=timedelta(milliseconds=500), derandomize=True)
@given(st.lists(garbage_lines, max_size=12), st.sampled_from(EVENT_NAMES))
def test_garbled_messages_through_panoramisk_and_the_adapter(lines: list[str],
                                                              name: str) -> None:
    """Duplicated headers (panoramisk makes lists of them), missing values, stray lines."""
    for text in ("\r\n".join(lines), f"Event: {name}\r\n" + "\r\n".join(lines)):
        message = Message.from_line(text)
        if message is not None:
            store: Fields = message._store
            check_event(translate_fields(store))


# --- the project's own reader: wait_fully_booted over a loopback socket ---------------------

BANNER = b"Asterisk Call Manager/9.0.0\r\n"
BOOTED = b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
pieces = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"\r\n\r\n", b"\r\n", b"\n\n", b"\r\r", b"Response: Success\r\n",
                     b"Response: Error\r\nMessage: Authentication failed\r\n\r\n",
                     b"Event: FullyBooted", b"Event: FullyBoo", b"\xff\xfe\x00", b"\x00" * 64]),
)


async def serve_once(payload: bytes) -> tuple[asyncio.Server, int]:
    """A loopback "Asterisk" that sends ``payload`` to whoever connects, then hangs up."""
    async def answer(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            writer.write(payload)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def booted_or_refused(payload: bytes) -> bool:
    server, port = await serve_once(payload)
    try:
        await wait_fully_booted("127.0.0.1", port, "dialer", "secret", timeout_s=3)
    except AmiError:
        return False
    finally:
        server.close()
        await server.wait_closed()
    return True


@settings(max_examples=60, deadline=timedelta(seconds=4), derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, max_size=10), st.booleans())
async def test_wait_fully_booted_on_a_garbled_stream_is_booted_or_an_ami_error(
        parts: list[bytes], with_banner: bool) -> None:
    payload = (BANNER if with_banner else b"") + b"".join(parts)
    booted = await booted_or_refused(payload)
    if b"Response: Error" not in payload and b"Event: FullyBooted" not in payload:
        assert not booted


@pytest.mark.parametrize("payload", [
    b"",  # closed at once
    BANNER,  # closed after the banner
    BANNER + b"Response: Success\r\nMessage: Authentication accep",  # truncated
    BANNER + b"x" * (70 * 1024),  # one block larger than the reader's limit
    BANNER + b"Response: Success\r\n\r\n" + BOOTED[:20],
])
async def test_wait_fully_booted_on_a_truncated_stream_is_an_ami_error(payload: bytes) -> None:
    assert await booted_or_refused(payload) is False


async def test_wait_fully_booted_still_reads_a_good_stream() -> None:
    assert await booted_or_refused(BANNER + b"Response: Success\r\n\r\n" + BOOTED) is True
