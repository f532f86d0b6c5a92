"""Outbound campaigns (managers): every batch with its campaign's state; a manager opens a
batch's campaign (with the ring timeout) or closes it. Opening and closing are stored (every
`dialer serve` on the database dials the open ones, after restarts too) and in the access log
(the ``campaigns`` service writes it).

Opening and closing go through the service's ``Campaigns`` (``app[keys.CAMPAIGNS]``): a
campaign opened or closed here applies before the answer; the other services on the database
pick it up within their poll interval.
"""

from __future__ import annotations

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import actor, context, form_fields, path_id
from agent_ui.render import render
from agent_ui.security import MANAGERS, route
from dialer.services.calls import campaigns
from dialer.services.calls.campaigns import CampaignError, Opening
from dialer.services.governance import accounts
from dialer.services.intake.batches import list_batches

EXPECTED = (CampaignError, accounts.NotAllowed)


async def page(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    back = keys.backend(request)
    found = await list_batches(back.db())
    stored = {c.batch_id: c for c in await campaigns.listing(back.db())}
    names = {d.code: d.name for d in back.settings().debt_types}
    return render(request, "admin/campaigns.html", status=status, error=error,
                  batches=sorted(found, key=lambda b: b.id, reverse=True), stored=stored,
                  names=names, ring_default=campaigns.DEFAULT_RING_TIMEOUT_S,
                  ring_range=campaigns.RING_TIMEOUT_S, **context(request))


def _opening(fields: dict[str, str]) -> Opening:
    text = fields.get("ring_timeout", "").strip()
    try:
        ring = float(text) if text else campaigns.DEFAULT_RING_TIMEOUT_S
    except ValueError:
        raise CampaignError(f"ring timeout is not a number: {text[:20]!r}") from None
    return Opening(ring, campaigns.PROGRESSIVE_OPENING.mode,
                   campaigns.PROGRESSIVE_OPENING.abandon_cap)


async def open_(request: web.Request) -> web.Response:
    batch_id = path_id(request)
    fields = await form_fields(request)
    try:
        await request.app[keys.CAMPAIGNS].open(batch_id, actor(request), _opening(fields))
    except EXPECTED as exc:
        return await page(request, error=f"架電を開始できません / {exc}", status=400)
    raise web.HTTPFound("/admin/campaigns")


async def close(request: web.Request) -> web.Response:
    batch_id = path_id(request)
    await form_fields(request)
    try:
        await request.app[keys.CAMPAIGNS].close(batch_id, actor(request))
    except EXPECTED as exc:
        return await page(request, error=f"架電を終了できません / {exc}", status=400)
    raise web.HTTPFound("/admin/campaigns")


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/campaigns", page, MANAGERS)
    route(app, "POST", "/admin/campaigns/{id}/open", open_, MANAGERS)
    route(app, "POST", "/admin/campaigns/{id}/close", close, MANAGERS)
