"""The calendar, read-only (SPEC "Permitted calling windows", "Implementation periods"): the
windows, the city's closed and extra open days, the periods per debt type, and the next 14 days
as the service applies them. It is changed in the TOML configuration (``dialer calendar``
prints the same)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import context
from agent_ui.render import render
from agent_ui.security import MANAGERS, route
from dialer import config
from dialer.domain.calendar import DayInfo, DayKind

WEEKDAYS = "月火水木金土日"
DAYS_AHEAD = 14
KIND_LABELS = {DayKind.WEEKDAY: "平日", DayKind.WEEKEND_HOLIDAY: "土日祝",
               DayKind.CLOSED: "休業日"}


def _kind(info: DayInfo) -> str:
    if info.kind is DayKind.CLOSED:
        return "休業日"
    if info.kind is DayKind.WEEKDAY:
        return "平日"
    return "祝日" if info.holiday_name else "土日"


async def calendar_page(request: web.Request) -> web.Response:
    back = keys.backend(request)
    settings = back.settings()
    calendar = config.calendar(settings)
    cal = settings.calendar
    today = back.clock().astimezone(calendar.tz).date()
    names = {d.code: d.name for d in settings.debt_types}
    days = []
    for info in calendar.days(today, today + timedelta(days=DAYS_AHEAD - 1), None):
        days.append({
            "info": info, "weekday": WEEKDAYS[info.day.weekday()], "kind": _kind(info),
            "windows": " / ".join(str(w) for w in info.windows),
            "calling": [names.get(c, c) for c in cal.periods
                        if calendar.in_calling_period(info.day, c)],
            "callback": [names.get(c, c) for c in cal.periods
                         if calendar.in_callback_period(info.day, c)],
        })
    periods = [(names.get(code, code), p) for code, found in cal.periods.items()
               for p in sorted(found, key=lambda p: p.calling.first)]
    return render(request, "admin/calendar.html", today=today, days=days, periods=periods,
                  weekday=[str(w) for w in cal.weekday],
                  weekend=[str(w) for w in cal.weekend_holiday],
                  closed=sorted(cal.closed_days),
                  opened=sorted((d, KIND_LABELS[k]) for d, k in cal.open_days.items()),
                  timezone=cal.timezone, source=settings.source, weekdays=WEEKDAYS,
                  **context(request))


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/calendar", calendar_page, MANAGERS)
