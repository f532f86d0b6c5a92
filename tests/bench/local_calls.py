"""Residents and seat phones as Local channels on the sandbox: many calls up at once, no SIP.

The sandbox renders 40 RTP ports (``dialer/pbx/sandbox.py``): 20 PJSIP channels with media at
most, while one outbound call holds two (the resident on the trunk, the operator's phone). Local
channels to the sandbox-only contexts ``bench-callee`` and ``bench-seat``
(``asterisk_conf/sandbox/extensions_sandbox.conf``) need no port and no sipp, and the dialplan
the service's calls run through (``dialer-outbound``, ``operator-session``) is the production one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from dialer.adapters.ami import AmiLink, Originate

RESIDENTS = "bench-callee"
SEAT_PHONES = "bench-seat"


def local_fields(fields: Originate, ring_s: float, talk_s: float) -> Originate:
    """The Originate with ``PJSIP/<number>@pstn`` turned into a Local resident who rings
    ``ring_s``, answers and talks ``talk_s``, and ``PJSIP/<seat>`` into a Local seat phone
    that answers at once and stays; any other channel unchanged."""
    channel = fields.channel
    if not channel.startswith("PJSIP/"):
        return fields
    target = channel.removeprefix("PJSIP/")
    if target.endswith("@pstn"):
        variables = (*fields.variables, f"__BENCH_RING={ring_s:g}", f"__BENCH_TALK={talk_s:g}")
        return dataclasses.replace(
            fields, channel=f"Local/{target.removesuffix('@pstn')}@{RESIDENTS}",
            variables=variables)
    if "@" not in target:
        return dataclasses.replace(fields, channel=f"Local/{target}@{SEAT_PHONES}/n")
    return fields


def route_to_local(link: AmiLink, ring_s: float, talk_s: float) -> None:
    """Every Originate ``link`` sends from now on goes to Local channels (``local_fields``):
    for a whole service, whose parts all share its one link. A seat phone asked about
    (``DEVICE_STATE(PJSIP/<seat>)``, before going ready) is a Local one: always there."""
    send: Callable[[Originate, str], None] = link.originate
    ask: Callable[[str], Awaitable[str]] = link.get_var

    def originate(fields: Originate, channel_id: str) -> None:
        send(local_fields(fields, ring_s, talk_s), channel_id)

    async def get_var(name: str) -> str:
        if name.startswith("DEVICE_STATE(PJSIP/"):
            return "NOT_INUSE"
        return await ask(name)

    link.originate = originate  # type: ignore[method-assign]
    link.get_var = get_var  # type: ignore[method-assign]
