"""The AMI adapter against a scripted Asterisk on loopback: a link that stops answering is dropped
by the liveness check, and an action left unanswered by a dropped link is never sent again after
the reconnect (panoramisk would re-send it: an Originate re-sent calls the resident twice)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from dialer.adapters.ami import AmiLink, Originate
from dialer.config import AmiSettings
from dialer.domain.call_events import AsteriskBooted, ChannelHungUp, DialplanStep


class ScriptedAsterisk:
    """Logs every client in (then FullyBooted), answers Ping while ``answering``, never answers
    an Originate, and records every action it reads, per connection."""

    def __init__(self) -> None:
        self.actions: list[list[str]] = []
        self.answering = True
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen: list[str] = []
        self.actions.append(seen)
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                block = (await reader.readuntil(b"\r\n\r\n")).decode()
                fields = dict(line.split(": ", 1) for line in block.split("\r\n") if ": " in line)
                name, action_id = fields.get("Action", ""), fields.get("ActionID", "")
                seen.append(name)
                if name == "Login":
                    writer.write(f"Response: Success\r\nActionID: {action_id}\r\n"
                                 "Message: Authentication accepted\r\n\r\n"
                                 "Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n".encode())
                elif name == "Ping" and self.answering:
                    writer.write(f"Response: Success\r\nActionID: {action_id}\r\n"
                                 "Ping: Pong\r\n\r\n".encode())

    def originates(self) -> int:
        return sum(seen.count("Originate") for seen in self.actions)


@contextlib.asynccontextmanager
async def scripted() -> AsyncIterator[tuple[ScriptedAsterisk, AmiLink]]:
    asterisk = ScriptedAsterisk()
    server = await asyncio.start_server(asterisk.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    link = AmiLink(AmiSettings(host="127.0.0.1", port=port, username="u", secret="s"))
    try:
        await link.connect(timeout_s=5)
        yield asterisk, link
    finally:
        await link.close()
        for writer in asterisk.writers:
            writer.close()
        server.close()


async def until(predicate: object, timeout_s: float) -> bool:
    assert callable(predicate)
    for _ in range(int(timeout_s / 0.02)):
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return bool(predicate())


async def test_a_link_that_stops_answering_is_dropped_within_interval_plus_timeout() -> None:
    async with scripted() as (asterisk, link):
        liveness = asyncio.create_task(link.liveness_loop(interval_s=0.2, timeout_s=0.3))
        try:
            await asyncio.sleep(0.5)
            assert link.connected  # Pings answered
            asterisk.answering = False
            loop = asyncio.get_running_loop()
            started = loop.time()
            assert await until(lambda: not link.connected, 2)
            assert loop.time() - started <= 0.2 + 0.3 + 0.2
            assert await until(lambda: link.connected, 5)  # panoramisk reconnects (2 s)
            assert len(asterisk.actions) == 2
        finally:
            liveness.cancel()


async def test_an_originate_unanswered_when_the_link_dropped_is_not_sent_again() -> None:
    async with scripted() as (asterisk, link):
        link.originate(Originate("PJSIP/x", 0, application="Wait", data="1"), "att-1")
        assert await until(lambda: asterisk.originates() == 1, 2)
        asterisk.writers[0].close()  # the link drops before Asterisk answered the Originate
        assert await until(lambda: not link.connected, 2)
        assert await until(lambda: link.connected, 5)
        await asyncio.sleep(0.3)  # FullyBooted dispatched: panoramisk would re-send now
        assert len(asterisk.actions) == 2
        assert asterisk.originates() == 1


async def test_subscribers_get_typed_events_of_the_kinds_they_asked_for() -> None:
    async with scripted() as (asterisk, link):
        hangups = link.subscribe(ChannelHungUp)
        everything = link.subscribe()
        booted: list[bool] = []
        link.on_booted(lambda: booted.append(True))
        asterisk.writers[0].write(
            b"Event: VarSet\r\nUniqueid: c1\r\nVariable: X\r\nValue: 1\r\n\r\n"
            b"Event: Newexten\r\nUniqueid: c1\r\nContext: callback\r\nApplication: Answer\r\n"
            b"AppData: \r\nTimestamp: 1700000000.5\r\n\r\n"
            b"Event: Hangup\r\nUniqueid: c1\r\nChannel: PJSIP/x-1\r\nCause: 17\r\n"
            b"Timestamp: 1700000001.25\r\n\r\n"
            b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
        hung_up = await asyncio.wait_for(hangups.get(), 2)
        assert hung_up == ChannelHungUp("c1", 17, "PJSIP/x-1", 1700000001.25)
        assert await until(lambda: everything.qsize() == 3, 2)
        assert [everything.get_nowait() for _ in range(3)] == [
            DialplanStep("c1", "callback", "Answer", "", 1700000000.5), hung_up,
            AsteriskBooted()]
        assert hangups.empty() and booted == [True]
        link.unsubscribe(everything)
        link.unsubscribe(hangups)
        asterisk.writers[0].write(b"Event: Hangup\r\nUniqueid: c2\r\nCause: 16\r\n\r\n")
        await asyncio.sleep(0.1)
        assert hangups.empty() and everything.empty()
