"""Emergency recordings for managers (業務管理者) and admins only — operators can never list,
play or download them (SPEC "Recording"; every route here is declared MANAGERS).

* ``/admin/recordings``: every recording, its report and erasure; play, export, stop, erase.
* play: the file is decrypted in memory and streamed (never written in the clear), and the
  access log records it first; export: WAV or MP3 for the city, a download, logged the same.
* ``/api/recordings/{id}/ack`` (the board's "確認" button) and ``…/stop``.

Every route goes through the service's Recorder (``app[keys.RECORDER]``): the recordings
from its RecordingArchive, stopping through the recorder itself.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import FORM_TYPES, actor, context, form_fields, path_id
from agent_ui.render import render
from agent_ui.security import MANAGERS, route, session_of
from dialer.services.recordings.archive import (
    RecordingArchive,
    RecordingNotFound,
    RecordingRefused,
)
from dialer.services.recordings.formats import EXPORT_FORMATS
from recordings_policy.emergency import CONSENTS, REASONS, may_manage
from recordings_policy.lifecycle import ERASURE_REASONS
from recordings_policy.report import STATE_LABELS

PAGE = "/admin/recordings"
STREAM_BYTES = 64 * 1024


def _managers_only(request: web.Request) -> None:
    """The route table already says MANAGERS; the recordings policy says so again."""
    if not may_manage(session_of(request).role):
        raise web.HTTPForbidden(text="managers only")


def _archive(request: web.Request) -> RecordingArchive:
    _managers_only(request)
    return request.app[keys.RECORDER].archive


def _is_form(request: web.Request) -> bool:
    return request.content_type in FORM_TYPES


async def page(request: web.Request, error: str = "", notice: str = "",
               status: int = 200) -> web.Response:
    rows = await _archive(request).listing()
    return render(request, "admin/recordings.html", rows=rows, states=STATE_LABELS,
                  reasons=REASONS, consents=CONSENTS, erasures=ERASURE_REASONS,
                  formats=list(EXPORT_FORMATS), error=error, notice=notice, status=status,
                  retention_days=keys.backend(request).settings().recordings.retention_days,
                  **context(request))


async def _failed(request: web.Request, exc: Exception, status: int) -> web.Response:
    if _is_form(request):
        return await page(request, error=str(exc), status=status)
    return web.json_response({"error": str(exc)}, status=status)


async def play(request: web.Request) -> web.StreamResponse:
    try:
        row, plain = await _archive(request).audio(actor(request), path_id(request), "play")
    except RecordingNotFound:
        raise web.HTTPNotFound(text="no such recording") from None
    except RecordingRefused as exc:
        raise web.HTTPGone(text=str(exc)) from None
    response = web.StreamResponse(headers={
        "Content-Type": "audio/wav", "Content-Length": str(len(plain)),
        "Content-Disposition": f'inline; filename="recording_{row.file_id}.wav"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    await response.prepare(request)
    view = memoryview(plain)
    for start in range(0, len(plain), STREAM_BYTES):
        await response.write(view[start:start + STREAM_BYTES])
    await response.write_eof()
    return response


async def export(request: web.Request) -> web.Response:
    fmt = request.query.get("format", "wav")
    try:
        row, data = await _archive(request).export(actor(request), path_id(request), fmt)
    except RecordingNotFound:
        raise web.HTTPNotFound(text="no such recording") from None
    except RecordingRefused as exc:
        return web.json_response({"error": str(exc)}, status=409)
    name = f"recording_{row.file_id}.{fmt}"
    return web.Response(body=data, headers={
        "Content-Type": EXPORT_FORMATS[fmt],
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
    })


async def erase(request: web.Request) -> web.Response:
    fields = await form_fields(request)
    reference = " ".join(fields.get("reference", "").split())[:100]
    if not reference:
        return await page(request, error="市の指示番号（または指示の内容）を入力してください / "
                                         "enter the city's instruction reference", status=400)
    try:
        row = await _archive(request).erase(actor(request), path_id(request), "instruction",
                                            reference)
    except RecordingNotFound:
        raise web.HTTPNotFound(text="no such recording") from None
    except RecordingRefused as exc:
        return await page(request, error=str(exc), status=409)
    return await page(request, notice=f"録音 {row.id}（{row.file_id}）を消去しました。")


async def erase_call(request: web.Request) -> web.Response:
    fields = await form_fields(request)
    call_id = fields.get("call_id", "").strip()[:64]
    reference = " ".join(fields.get("reference", "").split())[:100]
    if not call_id or not reference:
        return await page(request, error="通話IDと市の指示番号を入力してください / "
                                         "enter the call id and the city's reference",
                          status=400)
    try:
        rows = await _archive(request).erase_call(actor(request), call_id, reference)
    except RecordingNotFound as exc:
        return await page(request, error=str(exc), status=404)
    except RecordingRefused as exc:
        return await page(request, error=str(exc), status=409)
    return await page(request, notice=f"通話 {call_id} の録音 {len(rows)} 件を消去しました。")


async def acknowledge(request: web.Request) -> web.Response:
    try:
        row = await _archive(request).acknowledge(actor(request), path_id(request))
    except RecordingNotFound:
        raise web.HTTPNotFound(text="no such recording") from None
    except RecordingRefused as exc:
        return await _failed(request, exc, 409)
    if _is_form(request):
        raise web.HTTPFound(PAGE)
    return web.json_response({"acknowledged": row.id, "by": row.acknowledged_by})


async def stop(request: web.Request) -> web.Response:
    recording_id = path_id(request)
    _managers_only(request)
    try:
        await request.app[keys.RECORDER].stop(actor(request), recording_id)
    except RecordingRefused as exc:
        return await _failed(request, exc, 409)
    if _is_form(request):
        raise web.HTTPFound(PAGE)
    return web.json_response({"stopping": recording_id})


def add(app: web.Application) -> None:
    route(app, "GET", PAGE, page, MANAGERS)
    route(app, "GET", PAGE + "/{id}/audio", play, MANAGERS)
    route(app, "GET", PAGE + "/{id}/export", export, MANAGERS)
    route(app, "POST", PAGE + "/{id}/erase", erase, MANAGERS)
    route(app, "POST", PAGE + "/erase-call", erase_call, MANAGERS)
    route(app, "POST", "/api/recordings/{id}/ack", acknowledge, MANAGERS)
    route(app, "POST", "/api/recordings/{id}/stop", stop, MANAGERS)
