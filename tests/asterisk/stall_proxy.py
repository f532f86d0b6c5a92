"""A loopback TCP proxy that can stall: put between the service's AMI link and the sandbox's AMI
port, it forwards both ways until ``stall()``, then forwards nothing while keeping every socket
open (a frozen Asterisk, a firewall dropping packets), until ``resume()``.

A stall behaves like a network that drops packets, not like one that reorders them: what a
client sent during the stall is delivered on ``resume()`` only if that client is still
connected — bytes of a connection its client closed in the meantime never reach the server (its
retransmissions stopped with it), and the server's side of it is closed then. New connections
are accepted during a stall; what they carry waits for ``resume()`` like the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

UP, DOWN = "client->server", "server->client"


class _Half(asyncio.Protocol):
    """One socket of a proxied connection; everything it reads goes to its link."""

    def __init__(self, link: _Link, direction: str) -> None:
        self.link, self.direction = link, direction
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.link.received(self.direction, data)

    def eof_received(self) -> bool:
        self.link.closed(self)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.link.closed(self)


class _Link:
    """A client's connection and ours to the server, with what is held back in each way."""

    def __init__(self, proxy: StallingProxy) -> None:
        self.proxy = proxy
        self.client = _Half(self, UP)
        self.server = _Half(self, DOWN)
        self.held: dict[str, list[bytes]] = {UP: [], DOWN: []}
        self.gone_in_stall: set[_Half] = set()
        self.finished = False

    def received(self, direction: str, data: bytes) -> None:
        self.held[direction].append(data)
        self.flush()

    def flush(self) -> None:
        if self.finished or not self.proxy.flowing:
            return
        for direction, target in ((UP, self.server), (DOWN, self.client)):
            if target.transport is not None and not target.transport.is_closing():
                for chunk in self.held[direction]:
                    target.transport.write(chunk)
                self.held[direction].clear()

    def closed(self, half: _Half) -> None:
        if self.finished:
            return
        if not self.proxy.flowing:
            # Nothing crosses a stalled network, the FIN or RST neither: decided on resume.
            self.gone_in_stall.add(half)
            return
        self.flush()
        self.finish()

    def resumed(self) -> None:
        if self.client in self.gone_in_stall:
            self.held[UP].clear()  # never delivered: that client stopped retransmitting
        self.flush()
        if self.gone_in_stall:
            self.finish()

    def finish(self) -> None:
        self.finished = True
        self.proxy.links.discard(self)
        for half in (self.client, self.server):
            if half.transport is not None:
                half.transport.close()


class StallingProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (host, upstream_port)
        self.host = host
        self.port = 0
        self.flowing = True
        self.links: set[_Link] = set()
        self.accepted = 0
        self._connecting: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def _accept(self) -> _Half:
        link = _Link(self)
        self.links.add(link)
        self.accepted += 1
        task = asyncio.get_running_loop().create_task(self._connect_upstream(link))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)
        return link.client

    async def _connect_upstream(self, link: _Link) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(lambda: link.server, *self.upstream)
        except OSError:
            link.finish()
            return
        link.flush()

    def stall(self) -> None:
        """Forward nothing from now on; every socket stays open."""
        self.flowing = False

    def resume(self) -> None:
        self.flowing = True
        for link in list(self.links):
            link.resumed()

    async def close(self) -> None:
        self.flowing = True
        for link in list(self.links):
            link.finish()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@contextlib.asynccontextmanager
async def stalling_proxy(upstream_port: int) -> AsyncIterator[StallingProxy]:
    proxy = StallingProxy(upstream_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()
