"""The console behind a TLS reverse proxy (deploy/nginx-dialer.conf).

* The browser's address and scheme come from ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only
  when the request arrives from one of ``[web] trusted_proxies``; from anyone else those headers
  are ignored. So the login throttle and the access log see the browser, never the proxy (one
  typist could otherwise lock everyone out) and never an address a client made up.
* The ``Host`` must be one the centre answers to (``[web] allowed_hosts``, by default
  ``public_origin``'s host, ``[web] host``, localhost and the loopback addresses): a page on
  another site that rebinds its DNS name to this server is refused before anything else.
* The origin every browser POST and websocket must come from is ``[web] public_origin`` when set
  (``security.same_origin``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web

from agent_ui.keys import BACKEND
from agent_ui.security import Handler
from dialer.config import Settings

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(proxies: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(p, strict=False) for p in proxies]


def _within(address: str | None, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in networks)


def allowed_hosts(settings: Settings) -> frozenset[str]:
    web_settings = settings.web
    if web_settings.allowed_hosts:
        return frozenset(h.lower() for h in web_settings.allowed_hosts)
    names = set(LOOPBACK_NAMES) | {web_settings.host.lower()}
    if web_settings.public_origin:
        names.add((urlsplit(web_settings.public_origin).hostname or "").lower())
    return frozenset(names)


def host_name(host: str) -> str:
    """``example.jp:8443`` -> ``example.jp``; ``[::1]:8080`` -> ``::1``."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


def client_address(remote: str | None, forwarded_for: str, networks: list[Network]) -> str | None:
    """The browser's address: the nearest hop in ``X-Forwarded-For`` that is not one of our
    proxies (the proxy in front sets or appends it; anything further left a client could
    have written)."""
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, networks):
            return hop if _valid(hop) else remote
    return remote


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


@web.middleware
async def behind_proxy(request: web.Request, handler: Handler) -> web.StreamResponse:
    settings = request.app[BACKEND].settings()
    if host_name(request.host) not in allowed_hosts(settings):
        return web.json_response({"error": "unknown host"}, status=400)
    networks = _networks(settings.web.trusted_proxies)
    if not networks or not _within(request.remote, networks):
        return await handler(request)
    proto = request.headers.get("X-Forwarded-Proto", "").lower()
    remote = client_address(request.remote, request.headers.get("X-Forwarded-For", ""),
                            networks)
    changed = request.clone(remote=remote or request.remote,
                            scheme=proto if proto in ("http", "https") else request.scheme)
    return await handler(changed)
