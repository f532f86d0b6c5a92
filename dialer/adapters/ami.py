"""The Asterisk Manager Interface adapter: the only module that imports panoramisk.

Events are fanned out synchronously into subscriber queues (panoramisk drops the tasks of
coroutine callbacks), and the delayed answer of an async Originate is published as an event
carrying the ChannelId we chose, so one consumer sees a call's whole story in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from panoramisk import Manager
from panoramisk.message import Message

from dialer.config_sections import AmiSettings

log = logging.getLogger(__name__)

Raw = dict[str, str]


class AmiError(Exception):
    """The AMI could not be reached, refused us, or did not answer in time."""


def _plain(message: Message | Mapping[str, Any]) -> Raw:
    # Every event passes here: read panoramisk's case-insensitive store directly (its own
    # iteration lowercases each key again), the headers' spelling as Asterisk sent them.
    store = getattr(message, "_store", None)
    if isinstance(store, dict):
        return {str(k): v if type(v) is str else str(v) for k, v in store.values()}
    return {str(k): str(v) for k, v in dict(message).items()}


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager that stops reconnecting once closed (upstream keeps retrying)."""

    closing = False

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        if self.closing:
            return None
        return super().connect(*args, **kwargs)

    def close(self) -> None:
        self.closing = True
        super().close()

    async def send_awaiting_actions(self, *_args: Any) -> None:
        """Never re-send an action the dropped link left unanswered (panoramisk re-sends it
        after the next login). Asterisk may have run it already — an Originate re-sent would
        call the resident again — and its caller has been told it failed (``action`` timed
        out) or reconciles after the reconnect (an Originate: ``CoreShowChannels``)."""
        if self.awaiting_actions:
            log.warning("AMI: %d action(s) unanswered when the link dropped; not re-sent",
                        len(self.awaiting_actions))
            self.awaiting_actions.clear()


class AmiLink:
    """One logged-in AMI connection with event fan-out."""

    def __init__(self, settings: AmiSettings) -> None:
        self._settings = settings
        self._manager: _Manager | None = None
        self._subscribers: list[asyncio.Queue[Raw]] = []
        self._booted: list[Callable[[], None]] = []
        self._logged_in = asyncio.Event()

    def start(self) -> None:
        """Begin connecting; panoramisk retries on its own until Asterisk answers."""
        s = self._settings
        self._manager = _Manager(
            host=s.host, port=s.port, username=s.username, secret=s.secret,
            ping_delay=60, loop=asyncio.get_running_loop(),
            on_login=lambda _m: self._logged_in.set(),
            on_disconnect=lambda _m, _exc: self._logged_in.clear(),
        )
        self._manager.register_event("*", self._on_event)
        # The connection task's outcome is consumed by panoramisk's own done-callback, which
        # schedules the retries; nothing is lost by not awaiting it here.
        self._manager.connect()

    async def wait_connected(self, timeout_s: float | None = None) -> None:
        s = self._settings
        try:
            await asyncio.wait_for(self._logged_in.wait(), timeout_s or s.connect_timeout_s)
        except TimeoutError:
            raise AmiError(f"cannot log in to the AMI at {s.host}:{s.port}") from None

    async def connect(self, timeout_s: float | None = None) -> None:
        """Start and wait for the login; on failure stop retrying and raise AmiError."""
        self.start()
        try:
            await self.wait_connected(timeout_s)
        except AmiError:
            await self.close()
            raise

    @property
    def connected(self) -> bool:
        return self._logged_in.is_set()

    def subscribe(self) -> asyncio.Queue[Raw]:
        queue: asyncio.Queue[Raw] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Raw]) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(queue)

    def _publish(self, raw: Raw) -> None:
        for queue in self._subscribers:
            queue.put_nowait(raw)

    def on_booted(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` at every ``FullyBooted``: Asterisk sends it at each login, so after
        a reconnect and after Asterisk restarted (events may have been lost meanwhile)."""
        self._booted.append(listener)

    def _on_event(self, _manager: Manager, message: Message) -> None:
        raw = _plain(message)
        self._publish(raw)
        if raw.get("Event") == "FullyBooted":
            for listener in self._booted:
                listener()

    async def action(self, fields: Mapping[str, str], timeout_s: float = 5.0) -> Any:
        """Send one action and return panoramisk's answer (a message or a list of them)."""
        if self._manager is None or not self.connected:
            raise AmiError(f"AMI not connected; cannot send {fields.get('Action')}")
        future = self._manager.send_action(dict(fields))
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            raise AmiError(f"no answer to {fields.get('Action')} within {timeout_s}s") from None

    def originate(self, fields: Mapping[str, str | list[str]], channel_id: str) -> None:
        """Queue an async Originate; its outcome arrives later as an OriginateResponse event."""
        if self._manager is None or not self.connected:
            raise AmiError("AMI not connected; cannot originate")
        action = {**fields, "Action": "Originate", "Async": "true", "ChannelId": channel_id}
        future = self._manager.send_action(action)
        future.add_done_callback(lambda f: self._originate_done(f, channel_id))

    def _originate_done(self, future: asyncio.Future[Any], channel_id: str) -> None:
        raw: Raw = {"Event": "OriginateResponse", "Response": "Failure", "Reason": "0"}
        if not future.cancelled() and future.exception() is None:
            answer = future.result()
            messages = answer if isinstance(answer, list) else [answer]
            for message in messages:
                plain = _plain(message)
                if plain.get("Event") == "OriginateResponse" or plain.get("Response") == "Error":
                    raw.update(plain)
        raw["ChannelId"] = channel_id
        raw["Event"] = "OriginateResponse"
        self._publish(raw)

    async def liveness_loop(self, interval_s: float = 2.0, timeout_s: float = 2.0) -> None:
        """Ping Asterisk; a link that stops answering is dropped so panoramisk reconnects.

        panoramisk's own ping never reads the reply, so a silently stalled connection (a
        firewall, a frozen Asterisk) would otherwise look alive forever.
        """
        while True:
            await asyncio.sleep(interval_s)
            if not self.connected:
                continue
            try:
                await self.action({"Action": "Ping"}, timeout_s=timeout_s)
            except AmiError as exc:
                log.error("AMI link is dead (%s); reconnecting", exc)
                self._drop()

    def _drop(self) -> None:
        self._logged_in.clear()
        protocol = getattr(self._manager, "protocol", None)
        transport = getattr(protocol, "transport", None)
        if transport is not None:
            transport.abort()  # connection_lost -> panoramisk schedules its reconnect

    async def channels(self, timeout_s: float = 10.0) -> list[Raw]:
        """Every channel Asterisk carries now (``CoreShowChannels``: Channel, Uniqueid,
        BridgeId, Context…). Waits for the login first: ``FullyBooted`` is read just before the
        login is complete."""
        await self.wait_connected(timeout_s)
        answer = await self.action({"Action": "CoreShowChannels"}, timeout_s=timeout_s)
        messages = [_plain(m) for m in (answer if isinstance(answer, list) else [answer])]
        if any(m.get("Response") == "Error" for m in messages):
            raise AmiError("CoreShowChannels refused")
        return [m for m in messages if m.get("Event") == "CoreShowChannel"]

    async def live_channels(self, timeout_s: float = 10.0, key: str = "Uniqueid") -> set[str]:
        """The Uniqueid (or ``key``: "Channel", the name) of every channel Asterisk carries."""
        return {value for m in await self.channels(timeout_s) if (value := m.get(key))}

    async def core_settings(self) -> Raw:
        return _plain(await self.action({"Action": "CoreSettings"}))

    async def close(self) -> None:
        if self._manager is not None:
            self._manager.close()
            self._manager = None
        self._logged_in.clear()


async def wait_fully_booted(
    host: str, port: int, username: str, secret: str, timeout_s: float
) -> None:
    """Wait until an Asterisk starting up accepts our login and reports FullyBooted."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise AmiError(f"AMI at {host}:{port} did not open within {timeout_s}s") from None
            await asyncio.sleep(0.05)  # polling a port that is not listening yet
    try:
        remaining = max(0.1, deadline - time.monotonic())
        await asyncio.wait_for(_login_until_booted(reader, writer, username, secret), remaining)
    except TimeoutError:
        raise AmiError(f"Asterisk at {host}:{port} not FullyBooted within {timeout_s}s") from None
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
            ConnectionError) as exc:
        # closed mid-answer, or a block beyond the reader's limit (readline/readuntil)
        raise AmiError(f"AMI at {host}:{port} broke off before FullyBooted "
                       f"({type(exc).__name__})") from None
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _login_until_booted(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, username: str, secret: str
) -> None:
    await reader.readline()  # banner
    login = f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\nEvents: system\r\n\r\n"
    writer.write(login.encode())
    while True:
        block = (await reader.readuntil(b"\r\n\r\n")).decode(errors="replace")
        if "Response: Error" in block:
            raise AmiError(f"AMI login refused for user {username!r}")
        if "Event: FullyBooted" in block:
            writer.write(b"Action: Logoff\r\n\r\n")
            return
