"""The Asterisk Manager Interface adapter: the AMI connection (panoramisk), typed events out,
typed verbs in. With ``ami_events`` (events -> typed events, pure), ``ami_actions`` (the verbs'
requests and answers) and ``ami_boot`` (waiting for a starting Asterisk) it is the only code that
knows AMI's headers and actions, and, with FastAGI's adapter (``agi.py``), the only code that
imports panoramisk.

Each event is translated once, as panoramisk parses it, into a ``dialer.domain.call_events``
event, and fanned out synchronously into the queues of the subscribers that asked for its type
(panoramisk drops the tasks of coroutine callbacks); events no subscriber wants are dropped
before anything is built. The delayed answer of an async Originate is published as an
``OriginateFinished`` carrying the ChannelId we chose, so one consumer sees a call's whole story
in order.

One module (about 310 lines): the link's life (connect, liveness, reconnect) and its verbs share
one connection's state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from panoramisk import Manager
from panoramisk.message import Message

from dialer.adapters.ami_actions import (
    AmiError,
    CoreSettings,
    Originate,
    Raw,
    Reply,
    messages,
    originate_headers,
    plain,
    reply,
)
from dialer.adapters.ami_boot import wait_fully_booted
from dialer.adapters.ami_events import (
    SOURCES,
    Fields,
    Translator,
    fields_of,
    translate_fields,
    translators_for,
)
from dialer.config import AmiSettings
from dialer.domain.call_events import CallEvent, Channel, OriginateFinished

log = logging.getLogger(__name__)

__all__ = ["AmiError", "AmiLink", "CoreSettings", "Originate", "Reply", "originate_headers",
           "wait_fully_booted"]
EVERY_EVENT = tuple(SOURCES)


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager that stops reconnecting once closed (upstream keeps retrying) and
    hands every event straight to ``sink`` (no pattern matching per event)."""

    closing = False
    sink: Callable[[Message], None] = staticmethod(lambda _m: None)

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        if self.closing:
            return None
        return super().connect(*args, **kwargs)

    def close(self) -> None:
        self.closing = True
        super().close()

    def dispatch(self, event: Message) -> Any:
        self.sink(event)
        if len(self.patterns) > 1:  # callbacks registered beyond panoramisk's own (tests)
            return super().dispatch(event)
        return None

    async def send_awaiting_actions(self, *_args: Any) -> None:
        self.forget_unanswered()

    def forget_unanswered(self) -> None:
        """Never re-send an action the dropped link left unanswered (panoramisk re-sends it
        after the next login). Asterisk may have run it already — an Originate re-sent would
        call the resident again — and its caller has been told it failed (``action`` timed
        out) or reconciles after the reconnect (an Originate: ``CoreShowChannels``)."""
        if self.awaiting_actions:
            log.warning("AMI: %d action(s) unanswered when the link dropped; not re-sent",
                        len(self.awaiting_actions))
            self.awaiting_actions.clear()


Subscriber = tuple[asyncio.Queue[CallEvent], frozenset[type]]


class AmiLink:
    """One logged-in AMI connection: typed events to subscribers, typed verbs to Asterisk."""

    def __init__(self, settings: AmiSettings) -> None:
        self._settings = settings
        self._manager: _Manager | None = None
        self._subscribers: list[Subscriber] = []
        self._wanted: dict[str, Translator] = {}  # lowercased AMI event name -> translator
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
        self._manager.sink = self._on_event
        # The connection task's outcome is consumed by panoramisk's own done-callback, which
        # schedules the retries; nothing is lost by not awaiting it here.
        self._manager.connect()

    async def wait_connected(self, timeout_s: float | None = None) -> None:
        s = self._settings
        try:
            async with asyncio.timeout(timeout_s or s.connect_timeout_s):
                await self._logged_in.wait()
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

    # --- events ------------------------------------------------------------------------------
    def subscribe(self, *kinds: type) -> asyncio.Queue[CallEvent]:
        """A queue of the events of ``kinds`` (``call_events`` types; none given: all)."""
        queue: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._subscribers.append((queue, frozenset(kinds or EVERY_EVENT)))
        self._rewant()
        return queue

    def unsubscribe(self, queue: asyncio.Queue[CallEvent]) -> None:
        self._subscribers = [s for s in self._subscribers if s[0] is not queue]
        self._rewant()

    def _rewant(self) -> None:
        self._wanted = translators_for({k for _q, kinds in self._subscribers for k in kinds})

    def on_booted(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` at every ``FullyBooted``: Asterisk sends it at each login, so after
        a reconnect and after Asterisk restarted (events may have been lost meanwhile)."""
        self._booted.append(listener)

    def _on_event(self, message: Message) -> None:
        fields: Fields = message._store  # panoramisk's parsed headers, read in place
        name = fields.get("event")
        if name is None:
            return
        key = name[1].lower()
        translator = self._wanted.get(key)
        if translator is not None and (event := translator(fields)) is not None:
            self._publish(event)
        if key == "fullybooted":
            if self._manager is not None:
                self._manager.forget_unanswered()
            for listener in self._booted:
                listener()

    def _publish(self, event: CallEvent) -> None:
        kind = type(event)
        for queue, kinds in self._subscribers:
            if kind in kinds:
                queue.put_nowait(event)

    # --- verbs -------------------------------------------------------------------------------
    async def _action(self, fields: Mapping[str, str], timeout_s: float = 5.0) -> Any:
        """Send one action and return panoramisk's answer (a message or a list of them)."""
        if self._manager is None or not self.connected:
            raise AmiError(f"AMI not connected; cannot send {fields.get('Action')}")
        future = self._manager.send_action(dict(fields))
        try:
            async with asyncio.timeout(timeout_s):
                return await asyncio.shield(future)
        except TimeoutError:
            raise AmiError(f"no answer to {fields.get('Action')} within {timeout_s}s") from None

    def originate(self, request: Originate, channel_id: str) -> None:
        """Queue an async Originate; its outcome arrives later as ``OriginateFinished``."""
        if self._manager is None or not self.connected:
            raise AmiError("AMI not connected; cannot originate")
        future = self._manager.send_action(originate_headers(request, channel_id))
        future.add_done_callback(lambda f: self._originate_done(f, channel_id))

    def _originate_done(self, future: asyncio.Future[Any], channel_id: str) -> None:
        raw: Raw = {"Event": "OriginateResponse", "Response": "Failure", "Reason": "0"}
        if not future.cancelled() and future.exception() is None:
            for message in messages(future.result()):
                if message.get("Event") == "OriginateResponse" \
                        or message.get("Response") == "Error":
                    raw.update(message)
        raw["ChannelId"] = channel_id
        raw["Event"] = "OriginateResponse"
        event = translate_fields(fields_of(raw))
        if isinstance(event, OriginateFinished):
            self._publish(event)

    async def hangup(self, channel: str, cause: int | None = None) -> None:
        """Hang up the channel named ``channel`` (with ``cause``, if given)."""
        fields = {"Action": "Hangup", "Channel": channel}
        if cause is not None:
            fields["Cause"] = str(cause)
        await self._action(fields)

    async def set_var(self, name: str, value: str) -> None:
        """Set a global variable (or a function such as ``DEVICE_STATE(Custom:…)``)."""
        await self._action({"Action": "Setvar", "Variable": name, "Value": value})

    async def get_var(self, name: str) -> str:
        """A global variable or a function's value (``DEVICE_STATE(PJSIP/seat01)``); "" when
        Asterisk gives none."""
        return plain(await self._action({"Action": "Getvar", "Variable": name})).get("Value", "")

    async def start_mixmonitor(self, channel: str, path: str, options: str) -> Reply:
        return reply(await self._action({"Action": "MixMonitor", "Channel": channel,
                                          "File": path, "Options": options}))

    async def stop_mixmonitor(self, channel: str) -> Reply:
        return reply(await self._action({"Action": "StopMixMonitor", "Channel": channel}))

    async def module_loaded(self, module: str) -> bool:
        return (await self._reply_to({"Action": "ModuleCheck", "Module": module})).ok

    async def reload_dialplan(self, timeout_s: float = 5.0) -> None:
        """Reload the dialplan (``Reload`` of pbx_config: the AMI user needs no CLI access)."""
        await self._reload("pbx_config.so", "dialplan", timeout_s)

    async def reload_music_on_hold(self, timeout_s: float = 5.0) -> None:
        """Reload res_musiconhold, which lists the files of its classes' folders as it loads
        them (it re-reads its classes only if musiconhold.conf changed since)."""
        await self._reload("res_musiconhold.so", "music-on-hold", timeout_s)

    async def _reload(self, module: str, what: str, timeout_s: float) -> None:
        answer = await self._reply_to({"Action": "Reload", "Module": module}, timeout_s)
        if not answer.ok:
            raise AmiError(f"{what} reload refused: {answer.message}")

    async def can_run_cli(self) -> bool:
        """Whether this AMI user may run CLI commands (it should not): a harmless one is
        tried (``dialer doctor``)."""
        return (await self._reply_to({"Action": "Command",
                                      "Command": "core show version"})).ok

    async def current_time(self) -> datetime:
        """Asterisk's own clock (the ``Timestamp`` of its answer to a ``Ping``)."""
        answer = plain(await self._action({"Action": "Ping"}))
        try:
            return datetime.fromtimestamp(float(answer.get("Timestamp", "")), UTC)
        except ValueError:
            raise AmiError("Asterisk's Ping carried no Timestamp") from None

    async def _reply_to(self, fields: Mapping[str, str], timeout_s: float = 5.0) -> Reply:
        return reply(await self._action(fields, timeout_s))

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
                await self._action({"Action": "Ping"}, timeout_s=timeout_s)
            except AmiError as exc:
                log.error("AMI link is dead (%s); reconnecting", exc)
                self._drop()

    def _drop(self) -> None:
        self._logged_in.clear()
        protocol = getattr(self._manager, "protocol", None)
        transport = getattr(protocol, "transport", None)
        if transport is not None:
            transport.abort()  # connection_lost -> panoramisk schedules its reconnect

    async def channels(self, timeout_s: float = 10.0, wait_login: bool = True
                       ) -> list[Channel]:
        """Every channel Asterisk carries now (``CoreShowChannels``). Waits for the login
        first unless told not to: ``FullyBooted`` is read just before the login is complete."""
        if wait_login:
            await self.wait_connected(timeout_s)
        answer = await self._action({"Action": "CoreShowChannels"}, timeout_s=timeout_s)
        answers = messages(answer)
        if any(m.get("Response") == "Error" for m in answers):
            raise AmiError("CoreShowChannels refused")
        return [Channel(m.get("Uniqueid", ""), m.get("Channel", ""), m.get("BridgeId", ""),
                        m.get("Context", ""))
                for m in answers if m.get("Event") == "CoreShowChannel"]

    async def live_channel_ids(self, timeout_s: float = 10.0) -> set[str]:
        """The unique id of every channel Asterisk carries."""
        return {c.channel_id for c in await self.channels(timeout_s) if c.channel_id}

    async def live_channel_names(self, timeout_s: float = 10.0) -> set[str]:
        """The name of every channel Asterisk carries."""
        return {c.name for c in await self.channels(timeout_s) if c.name}

    async def core_settings(self) -> CoreSettings:
        settings = plain(await self._action({"Action": "CoreSettings"}))
        return CoreSettings(settings.get("AsteriskVersion", ""))

    async def close(self) -> None:
        if self._manager is not None:
            self._manager.close()
            self._manager = None
        self._logged_in.clear()
