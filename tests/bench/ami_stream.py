"""A fake Asterisk Manager Interface for benchmarks: realistic event blocks for many calls, and a
loopback TCP server that speaks the protocol (banner, Login answered with Success, any other
action answered with Success) and then streams them — as fast as the reader takes them, or
paced at a given number of events per second.

The events are those Asterisk 22 sends the dialer's AMI user (``read = system,call,log,agent,
user,dtmf,dialplan,originate``) for an Originate through the ``pstn`` trunk that lands in
``dialer-outbound`` and is bridged to a seat: 34 for an answered call (channel, dial,
dialplan steps, bridge, DTMF, user event, hangup), 12 for a busy or unanswered one. The call's
channel has the attempt's id as Uniqueid (the ChannelId the runner chose). Each block carries
``Timestamp`` (``timestampevents = yes``), written by the server at the moment it sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from multiprocessing.synchronize import Event as ProcessEvent

Event = dict[str, str]
BANNER = b"Asterisk Call Manager/9.0.0\r\n"
ANSWER_RATE = 0.3


def attempt_id(call: int) -> str:
    return f"att-bench-{call:07d}"


def _channel(call: int, number: str, uniqueid: str, state: str, desc: str, context: str,
             exten: str, priority: str = "1") -> Event:
    return {
        "Privilege": "call,all", "Channel": f"PJSIP/pstn-{call:08x}", "ChannelState": state,
        "ChannelStateDesc": desc, "CallerIDNum": number, "CallerIDName": "<unknown>",
        "ConnectedLineNum": "0112110000", "ConnectedLineName": "0112110000",
        "Language": "en", "AccountCode": "", "Context": context, "Exten": exten,
        "Priority": priority, "Uniqueid": uniqueid, "Linkedid": uniqueid,
    }


def call_events(call: int) -> list[Event]:
    """Every event of one call, in Asterisk's order."""
    rng = random.Random(call)
    uid = attempt_id(call)
    number = f"090{call:08d}"
    base = _channel(call, number, uid, "0", "Down", "dialer-outbound", "answered")
    seat = {**_channel(call, "seat01", f"1732748400.{call}", "6", "Up", "operator-session",
                       "s", "3"), "Channel": f"PJSIP/seat01-{call:08x}"}
    out: list[Event] = [
        {"Event": "Newchannel", **base},
        {"Event": "VarSet", **base, "Variable": "ATTEMPT_ID", "Value": uid},
        {"Event": "VarSet", **base, "Variable": "OPERATOR_CHANNEL",
         "Value": seat["Channel"]},
        {"Event": "DeviceStateChange", "Privilege": "call,all", "Device": "PJSIP/pstn",
         "State": "INUSE"},
        {"Event": "DialBegin", **base, "DestChannel": base["Channel"], "DestUniqueid": uid,
         "DialString": f"{number}@pstn"},
        {"Event": "Newstate", **base, "ChannelState": "5", "ChannelStateDesc": "Ringing"},
    ]
    up = {**base, "ChannelState": "6", "ChannelStateDesc": "Up"}
    if rng.random() < ANSWER_RATE:
        out += _answered(up, seat, uid)
        cause, status = "16", "ANSWER"
    else:
        cause, status = rng.choice([("17", "BUSY"), ("19", "NOANSWER")])
        out.append({"Event": "DialEnd", **base, "DestUniqueid": uid, "DialStatus": status})
    out += [
        {"Event": "SoftHangupRequest", **up, "Cause": cause},
        {"Event": "HangupRequest", **up, "Cause": cause},
        {"Event": "Hangup", **up, "Cause": cause, "Cause-txt": "Normal Clearing"},
        {"Event": "DeviceStateChange", "Privilege": "call,all", "Device": "PJSIP/pstn",
         "State": "NOT_INUSE"},
        {"Event": "OriginateResponse", "Privilege": "call,all",
         "Response": "Success" if status == "ANSWER" else "Failure", "Channel": base["Channel"],
         "Context": "dialer-outbound", "Exten": "answered",
         "Reason": "4" if status == "ANSWER" else "5", "Uniqueid": uid,
         "CallerIDNum": "0112110000", "CallerIDName": "0112110000"},
    ]
    return out


def _answered(up: Event, seat: Event, uid: str) -> list[Event]:
    bridge = {"BridgeUniqueid": f"b-{uid}", "BridgeType": "basic",
              "BridgeTechnology": "simple_bridge", "BridgeCreator": "<unknown>",
              "BridgeName": "<unknown>", "BridgeNumChannels": "2", "BridgeVideoSourceMode": "none"}
    steps = ["NoOp(attempt)", "GotoIf(0?unreserved)", "Bridge(seat,F(operator-session^s^wait))",
             "UserEvent(DialerBridgeEnded)", "Hangup()"]
    out: list[Event] = [
        {"Event": "Newstate", **up},
        {"Event": "DialEnd", **up, "DestUniqueid": uid, "DialStatus": "ANSWER"},
        {"Event": "NewConnectedLine", **up},
    ]
    for n, app in enumerate(steps[:3], start=1):
        out.append({"Event": "Newexten", **up, "Priority": str(n),
                    "Extension": "answered", "Application": app.split("(")[0],
                    "AppData": app.split("(", 1)[1].rstrip(")")})
    out += [
        {"Event": "BridgeCreate", "Privilege": "call,all", **bridge, "BridgeNumChannels": "0"},
        {"Event": "BridgeEnter", **bridge, **up},
        {"Event": "BridgeEnter", **bridge, **seat},
        {"Event": "VarSet", **up, "Variable": "BRIDGEPEER", "Value": seat["Channel"]},
        {"Event": "VarSet", **seat, "Variable": "BRIDGEPEER", "Value": up["Channel"]},
        {"Event": "DTMFBegin", **up, "Digit": "1", "Direction": "Received"},
        {"Event": "DTMFEnd", **up, "Digit": "1", "DurationMs": "120", "Direction": "Received"},
        {"Event": "BridgeLeave", **bridge, **up},
        {"Event": "BridgeLeave", **bridge, **seat},
        {"Event": "BridgeDestroy", "Privilege": "call,all", **bridge, "BridgeNumChannels": "0"},
        {"Event": "VarSet", **up, "Variable": "BRIDGERESULT", "Value": "SUCCESS"},
    ]
    for n, app in enumerate(steps[3:], start=4):
        out.append({"Event": "Newexten", **up, "Priority": str(n), "Extension": "answered",
                    "Application": app.split("(")[0], "AppData": app.split("(", 1)[1][:-1]})
    out += [
        {"Event": "UserEvent", **up, "UserEvent": "DialerBridgeEnded",
         "Attempt": uid, "Result": "SUCCESS"},
        {"Event": "Newexten", **seat, "Priority": "3", "Extension": "s", "Application": "Wait",
         "AppData": "3600"},
        {"Event": "VarSet", **up, "Variable": "DIALSTATUS", "Value": "ANSWER"},
        {"Event": "VarSet", **up, "Variable": "RTPAUDIOQOS",
         "Value": "ssrc=1;themssrc=2;lp=0;rxjitter=0.000;rxcount=1500;txjitter=0.000;"
                  "txcount=1500;rlp=0;rtt=0.000"},
    ]
    return out


def interleaved(first: int, calls: int, per_s: float = 20.0, talk_s: float = 30.0
                ) -> list[Event]:
    """The events of ``calls`` calls as one stream: a call starts every 1/per_s s, rings for
    a few seconds, an answered one talks ``talk_s`` s — so many calls overlap, as on a line."""
    timed: list[tuple[float, int, Event]] = []
    for call in range(first, first + calls):
        start = (call - first) / per_s
        events = call_events(call)
        answered = any(e.get("DialStatus") == "ANSWER" for e in events)
        for n, event in enumerate(events):
            ring = 0.05 * n if n < 6 else 4.0 + 0.01 * n
            offset = start + ring + (talk_s if answered and event["Event"] in _AFTER_TALK
                                     and n > 6 else 0.0)
            timed.append((offset, len(timed), event))
    return [event for _at, _n, event in sorted(timed)]


_AFTER_TALK = frozenset({"DTMFBegin", "DTMFEnd", "BridgeLeave", "BridgeDestroy", "VarSet",
                         "Newexten", "UserEvent", "SoftHangupRequest", "HangupRequest", "Hangup",
                         "DeviceStateChange", "OriginateResponse"})


def block(event: Event, timestamp: float) -> bytes:
    """One AMI event as sent on the wire (Event first, then Privilege and Timestamp)."""
    lines = [f"Event: {event['Event']}"]
    if "Privilege" in event:
        lines.append(f"Privilege: {event['Privilege']}")
    lines.append(f"Timestamp: {timestamp:.6f}")
    lines += [f"{k}: {v}" for k, v in event.items() if k not in ("Event", "Privilege")]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def stream_bytes(events: list[Event], timestamp: float = 1_732_748_400.0) -> bytes:
    return b"".join(block(e, timestamp) for e in events)


# --- the server -------------------------------------------------------------------------------
async def _answer_actions(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          logged_in: asyncio.Event) -> None:
    while True:
        raw = await reader.readuntil(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)
        action_id = headers.get("ActionID", "")
        if headers.get("Action", "").lower() == "login":
            writer.write(f"Response: Success\r\nActionID: {action_id}\r\n"
                         f"Message: Authentication accepted\r\n\r\n".encode())
            logged_in.set()
        else:
            writer.write(f"Response: Success\r\nActionID: {action_id}\r\n\r\n".encode())


async def _stream(writer: asyncio.StreamWriter, events: list[Event], per_s: float) -> None:
    """All events, as fast as the reader takes them (``per_s`` 0) or at ``per_s`` a second."""
    if per_s <= 0:
        chunk = 200
        for start in range(0, len(events), chunk):
            now = time.time()
            writer.write(b"".join(block(e, now) for e in events[start:start + chunk]))
            await writer.drain()
        return
    started, sent = time.monotonic(), 0
    while sent < len(events):
        due = min(len(events), int((time.monotonic() - started) * per_s) + 1)
        if due > sent:
            now = time.time()
            writer.write(b"".join(block(e, now) for e in events[sent:due]))
            sent = due
        await asyncio.sleep(0.002)


async def serve(port: int, events: list[Event], per_s: float, ready: ProcessEvent) -> None:
    done = asyncio.Event()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER)
        logged_in = asyncio.Event()
        answering = asyncio.create_task(_answer_actions(reader, writer, logged_in))
        try:
            await logged_in.wait()
            await _stream(writer, events, per_s)
            await writer.drain()
            await answering  # until the client hangs up
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            answering.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError,
                                     asyncio.IncompleteReadError):
                await answering
            writer.close()
            done.set()

    server = await asyncio.start_server(session, "127.0.0.1", port)
    ready.set()
    async with server:
        await done.wait()


def run_server(port: int, first: int, calls: int, per_s: float, ready: ProcessEvent) -> None:
    """Process entry: serve one client the events of calls ``first``… then stop."""
    asyncio.run(serve(port, interleaved(first, calls), per_s, ready))
