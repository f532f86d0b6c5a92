"""The admin pages (managers 業務管理者 and admins): the index, and the routes of each area
declared by its own module."""

from __future__ import annotations

from aiohttp import web

from agent_ui import (
    admin_audit,
    admin_calendar,
    admin_campaigns,
    admin_documents,
    admin_import,
    admin_messages,
    admin_reports,
    admin_suspensions,
    admin_users,
)
from agent_ui.admin_common import context
from agent_ui.render import render
from agent_ui.security import MANAGERS, route

AREAS = (admin_users, admin_import, admin_calendar, admin_messages, admin_documents,
         admin_reports, admin_campaigns, admin_suspensions, admin_audit)


async def index(request: web.Request) -> web.Response:
    return render(request, "admin/index.html", **context(request))


def add(app: web.Application) -> None:
    route(app, "GET", "/admin", index, MANAGERS)
    for area in AREAS:
        area.add(app)
