"""The FastAGI adapter: the server the dialplan asks (the callback gate), the other module that
imports panoramisk (its request object sends the AGI commands; the AMI's is ``ami.py``).

Handlers get a typed ``AgiRequest`` (the script, the caller id, the arguments, the channel's
unique id and name, and the one command they need), never the ``agi_*`` headers. panoramisk's
``Application.handler`` loops forever on a connection that closes before its headers end; here
headers are read with a size and time limit, every handler runs under a timeout, and a failing
handler never takes the server down (the dialplan then falls back).

Who may ask: a connection from an address outside ``allowed`` (default: loopback only) is closed
at once, before a byte is read; a request the ``admit`` check refuses (the service's "is this a
call Asterisk reported?") is closed without running its handler. Either way nothing is sent, the
``AGI()`` step fails and the dialplan's own fallback decides. Both are logged at WARNING (the
peer's address, the channel's unique id; no caller id) and counted in ``refusals``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from panoramisk.fast_agi import Request

log = logging.getLogger(__name__)

MAX_HEADER_LINES = 64
HEADER_TIMEOUT_S = 2.0
HANDLER_TIMEOUT_S = 3.0
LOOPBACK = ("127.0.0.0/8", "::1")  # who may connect when no allowlist is configured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AgiChannel(Protocol):
    """Where AGI commands go (panoramisk's request on the connection; a fake in tests)."""

    async def send_command(self, command: str) -> Any: ...


@dataclass(frozen=True)
class AgiRequest:
    """One AGI call: the caller id, the script's arguments, the channel it runs on (its unique
    id and name, as Asterisk sends them) and the commands a handler needs."""

    caller_id: str
    args: tuple[str, ...]
    channel: AgiChannel
    script: str = ""
    uniqueid: str = ""
    channel_name: str = ""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], channel: AgiChannel) -> AgiRequest:
        count = max((int(k[8:]) for k in headers
                     if k.startswith("agi_arg_") and k[8:].isdigit()), default=0)
        return cls(headers.get("agi_callerid", ""),
                   tuple(headers.get(f"agi_arg_{n}", "") for n in range(1, count + 1)),
                   channel, headers.get("agi_network_script", ""),
                   headers.get("agi_uniqueid", ""), headers.get("agi_channel", ""))

    async def set_variable(self, name: str, value: str) -> None:
        await self.channel.send_command(f'SET VARIABLE {name} "{value}"')


Handler = Callable[[AgiRequest], Awaitable[None]]
Admit = Callable[[AgiRequest], Awaitable[bool]]


def networks(peers: Iterable[str]) -> tuple[Network, ...]:
    """The networks of ``peers`` (addresses or networks; none: loopback only). A bad entry
    raises ValueError (the configuration checks them first)."""
    return tuple(ipaddress.ip_network(p, strict=False) for p in (tuple(peers) or LOOPBACK))


def peer_allowed(address: str, allowed: tuple[Network, ...]) -> bool:
    """Whether ``address`` (a socket's peer; IPv4 mapped into IPv6 counts as IPv4) is in
    ``allowed``; an address that is not an IP (a Unix socket) is not."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in allowed)


@dataclass
class AgiRefusals:
    """What the server turned away since it started."""

    peers: int = 0  # connections from outside the allowlist
    requests: int = 0  # requests the admit check refused


class AgiServer:
    """``allowed``: the addresses or networks that may connect (empty: loopback only);
    ``admit``: asked before a request's handler runs (None: every request is run)."""

    def __init__(self, host: str, port: int, routes: dict[str, Handler],
                 allowed: Iterable[str] = (), admit: Admit | None = None) -> None:
        self._host, self._port, self._routes = host, port, routes
        self._allowed = networks(allowed)
        self._admit = admit
        self._server: asyncio.Server | None = None
        self.refusals = AgiRefusals()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)
        log.info("FastAGI listening on %s:%s", self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if not self._peer_allowed(writer):
                return
            async with asyncio.timeout(HEADER_TIMEOUT_S):
                headers = await _read_headers(reader)
            route = self._routes.get(headers.get("agi_network_script", ""))
            if route is None:
                log.warning("FastAGI: no route %r", headers.get("agi_network_script"))
                return
            request = AgiRequest.from_headers(headers, Request(None, headers, reader, writer))
            if self._admit is not None and not await self._admit(request):
                self.refusals.requests += 1
                log.warning("FastAGI: %s request for channel %r not admitted; the dialplan "
                            "falls back", request.script, request.uniqueid)
                return
            async with asyncio.timeout(HANDLER_TIMEOUT_S):
                await route(request)
        except (TimeoutError, ConnectionError, ValueError) as exc:
            log.warning("FastAGI request dropped: %s", exc or type(exc).__name__)
        except Exception:
            log.exception("FastAGI handler failed; the dialplan falls back")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _peer_allowed(self, writer: asyncio.StreamWriter) -> bool:
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)
        if peer_allowed(address, self._allowed):
            return True
        self.refusals.peers += 1
        log.warning("FastAGI: connection from %s refused (not in agi.allowed_peers)", address)
        return False


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed before the AGI headers ended")
        text = line.decode("utf-8", errors="replace").strip()
        if not text:
            return headers
        key, sep, value = text.partition(": ")
        if sep:
            headers[key] = value
    raise ValueError(f"more than {MAX_HEADER_LINES} AGI header lines")
