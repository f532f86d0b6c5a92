"""The three callback messages (SPEC "Inbound callbacks") and the hold audio: what is installed,
checked as Asterisk will read it, the versions kept, and replacing one with the city's recording
(WAV or MP3, converted to 8 kHz mono WAV by the ``messages`` service, the replaced version kept;
new hold audio is reloaded by the running Asterisk)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from agent_ui import keys
from agent_ui.admin_common import actor, context
from agent_ui.admin_uploads import UploadRefused, mib, receive
from agent_ui.render import render
from agent_ui.security import MANAGERS, route
from dialer.config import Settings
from dialer.services.callbacks import messages
from dialer.services.callbacks.messages import MessageError
from dialer.services.governance import access_log

MAX_MESSAGE = 20 * 1024**2
SUFFIXES = (".wav", ".mp3")


async def messages_page(request: web.Request, *, error: str = "", notice: str = "",
                        status: int = 200) -> web.Response:
    settings = keys.backend(request).settings()
    found = await asyncio.to_thread(_statuses, settings)
    return render(request, "admin/messages.html", status=status, error=error, notice=notice,
                  messages=found, limit=mib(MAX_MESSAGE),
                  missing=[m["status"].label for m in found
                           if not m["status"].playable and m["status"].name in messages.NAMES],
                  **context(request))


def _statuses(settings: Settings) -> list[dict[str, Any]]:
    return [{"status": s, "history": _history(settings, s.name)}
            for s in messages.list_messages(settings)]


def _history(settings: Settings, name: str) -> list[dict[str, Any]]:
    """The versions kept when this message was replaced, newest first."""
    folder = settings.paths.sounds_dir / messages.HISTORY
    kept: list[Path] = sorted(folder.glob(f"{name}-*.wav"), reverse=True)
    return [{"name": p.name, "size": p.stat().st_size,
             "at": datetime.fromtimestamp(p.stat().st_mtime, UTC)} for p in kept]


async def replace_message(request: web.Request) -> web.Response:
    back = keys.backend(request)
    settings = back.settings()
    name = request.match_info.get("name", "")
    if name not in messages.ALL_NAMES:
        raise web.HTTPNotFound(text="no such message")
    try:
        async with receive(request, folder=settings.paths.data_dir / "uploads",
                           limit=MAX_MESSAGE, file_field="file", suffixes=SUFFIXES) as received:
            if received.path is None or received.size == 0:
                raise UploadRefused(400, "ファイルを選んでください / choose a file")
            done = await asyncio.to_thread(messages.set_message, settings, name, received.path)
    except UploadRefused as exc:
        return await messages_page(request, error=str(exc), status=exc.status)
    except MessageError as exc:
        return await messages_page(
            request, status=400,
            error=f"{messages.BY_NAME[name].label}を差し替えられませんでした: {exc}")
    hold_music = request.app.get(keys.HOLD_MUSIC)
    if name == messages.HOLD.name and not done.unchanged and hold_music is not None:
        await hold_music.reload()
    await access_log.record(back.db(), actor(request), "message.install", f"message:{name}",
                            source=done.source, sha256=done.status.sha256,
                            duration_s=done.status.duration_s, unchanged=done.unchanged)
    label = messages.BY_NAME[name].label
    notice = (f"{label}: 同じ音声がすでに設置されています（変更なし）" if done.unchanged else
              f"{label}を差し替えました（{done.status.duration_s or 0:.1f} 秒）。"
              + ("以前の版は保存されています。" if done.previous else ""))
    return await messages_page(request, notice=notice)


def add(app: web.Application) -> None:
    route(app, "GET", "/admin/messages", messages_page, MANAGERS)
    route(app, "POST", "/admin/messages/{name}", replace_message, MANAGERS)
