"""The FastAGI adapter: the server the dialplan asks (the callback gate), the other module that
imports panoramisk (its request object sends the AGI commands; the AMI's is ``ami.py``).

Handlers get a typed ``AgiRequest`` (the script, the caller id, the arguments, and the one
command they need), never the ``agi_*`` headers. panoramisk's ``Application.handler`` loops
forever on a connection that closes before its headers end; here headers are read with a size and
time limit, every handler runs under a timeout, and a failing handler never takes the server down
(the dialplan then falls back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from panoramisk.fast_agi import Request

log = logging.getLogger(__name__)

MAX_HEADER_LINES = 64
HEADER_TIMEOUT_S = 2.0
HANDLER_TIMEOUT_S = 3.0


class AgiChannel(Protocol):
    """Where AGI commands go (panoramisk's request on the connection; a fake in tests)."""

    async def send_command(self, command: str) -> Any: ...


@dataclass(frozen=True)
class AgiRequest:
    """One AGI call: the caller id, the script's arguments and the commands a handler needs."""

    caller_id: str
    args: tuple[str, ...]
    channel: AgiChannel
    script: str = ""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], channel: AgiChannel) -> AgiRequest:
        count = max((int(k[8:]) for k in headers
                     if k.startswith("agi_arg_") and k[8:].isdigit()), default=0)
        return cls(headers.get("agi_callerid", ""),
                   tuple(headers.get(f"agi_arg_{n}", "") for n in range(1, count + 1)),
                   channel, headers.get("agi_network_script", ""))

    def arg(self, n: int) -> str:
        """The ``n``-th argument (from 1); "" when not given."""
        return self.args[n - 1] if 0 < n <= len(self.args) else ""

    async def set_variable(self, name: str, value: str) -> None:
        await self.channel.send_command(f'SET VARIABLE {name} "{value}"')


Handler = Callable[[AgiRequest], Awaitable[None]]


class AgiServer:
    def __init__(self, host: str, port: int, routes: dict[str, Handler]) -> None:
        self._host, self._port, self._routes = host, port, routes
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)
        log.info("FastAGI listening on %s:%s", self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            headers = await asyncio.wait_for(_read_headers(reader), HEADER_TIMEOUT_S)
            route = self._routes.get(headers.get("agi_network_script", ""))
            if route is None:
                log.warning("FastAGI: no route %r", headers.get("agi_network_script"))
                return
            request = AgiRequest.from_headers(headers, Request(None, headers, reader, writer))
            await asyncio.wait_for(route(request), HANDLER_TIMEOUT_S)
        except (TimeoutError, ConnectionError, ValueError) as exc:
            log.warning("FastAGI request dropped: %s", exc or type(exc).__name__)
        except Exception:
            log.exception("FastAGI handler failed; the dialplan falls back")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


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
