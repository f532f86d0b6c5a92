"""Receiving a file from an admin form: streamed to a private folder under ``DATA_DIR/uploads``
in chunks, refused beyond the route's own size limit, deleted afterwards whatever happens.

The app reads at most ``client_max_size`` (1 MB) of any body; uploads need more, so their
forms are sent by ``admin.js`` with the CSRF token in the ``X-CSRF-Token`` header and this
module reads the multipart stream itself. Without the script the browser sends the token as a
form field: the security middleware has then read the (at most 1 MB) form already, and the
file is copied from there.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from agent_ui.request_body import MAX_FIELDS

CHUNK = 64 * 1024
MAX_FIELD = 8 * 1024  # a text field of the form (title, month…)
MAX_NAME = 120  # characters of the original file name kept
OVERHEAD = 64 * 1024  # the form's other fields and multipart boundaries
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class UploadRefused(Exception):
    """The upload cannot be taken; ``status`` is 400 or 413 and the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # the received file (its original name, in a private folder)
    size: int = 0

    def text(self, name: str) -> str:
        return self.fields.get(name, "").strip()


def safe_name(given: str, suffixes: tuple[str, ...]) -> str:
    """The original file name without folders or odd characters, with an allowed suffix (some
    services read the name: the debt type in an import's file name)."""
    given = unquote(given)  # browsers send %22 for a quote, some clients quote it all
    name = PurePosixPath(given.replace("\\", "/")).name
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip().lstrip(".")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in suffixes:
        allowed = ", ".join(suffixes)
        raise UploadRefused(400, f"ファイルの種類が違います（{allowed} のみ） / "
                                 f"file type not accepted (only {allowed})")
    stem = name[: -len(suffix)][: MAX_NAME] or "upload"
    return stem + suffix


def mib(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


@contextlib.asynccontextmanager
async def receive(request: web.Request, *, folder: Path, limit: int, file_field: str,
                  suffixes: tuple[str, ...]) -> AsyncIterator[Upload]:
    """The form's fields and its file (``UploadRefused`` when it cannot be taken); the file
    and its folder are removed when the block ends, whatever happens."""
    if request.content_length is not None and request.content_length > limit + OVERHEAD:
        raise UploadRefused(413, _too_large(limit))
    private = _private_folder(folder)
    try:
        upload = Upload()
        if request.content_type != "multipart/form-data":
            raise UploadRefused(400, "フォームを multipart/form-data で送ってください / "
                                     "send the form as multipart/form-data")
        if _form_read_already(request):
            await _from_form(request, upload, private, limit, file_field, suffixes)
        else:
            await _from_stream(request, upload, private, limit, file_field, suffixes)
        yield upload
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _private_folder(folder: Path) -> Path:
    """A new folder only this process's user can read, under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return Path(tempfile.mkdtemp(prefix="up-", dir=folder))


def _form_read_already(request: web.Request) -> bool:
    """The middleware read the form for its ``csrf`` field (no ``X-CSRF-Token`` header)."""
    return not request.headers.get("X-CSRF-Token")


async def _from_stream(request: web.Request, upload: Upload, private: Path, limit: int,
                       file_field: str, suffixes: tuple[str, ...]) -> None:
    try:
        reader = await request.multipart()
        parts = 0
        while (part := await reader.next()) is not None:
            parts += 1
            if parts > MAX_FIELDS:
                raise UploadRefused(400, f"a form has at most {MAX_FIELDS} fields")
            if not isinstance(part, BodyPartReader):
                raise UploadRefused(400, "nested multipart is not accepted")
            if part.name == file_field and part.filename is not None:
                if upload.path is not None:
                    raise UploadRefused(400, "one file at a time")
                await _store_part(part, upload, private, limit, suffixes)
            elif part.name:
                upload.fields[part.name] = await _field_text(part)
            else:
                await _drain(part)
    except (ValueError, AssertionError, LookupError) as exc:  # LookupError: unknown charset
        raise UploadRefused(400, f"the form could not be read ({type(exc).__name__})") from None


async def _store_part(part: BodyPartReader, upload: Upload, private: Path, limit: int,
                      suffixes: tuple[str, ...]) -> None:
    path = private / safe_name(part.filename or "", suffixes)
    with _create(path) as out:
        while chunk := await part.read_chunk(CHUNK):
            upload.size += len(chunk)
            if upload.size > limit:
                raise UploadRefused(413, _too_large(limit))
            out.write(chunk)
    upload.path = path


async def _field_text(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > MAX_FIELD:
            raise UploadRefused(400, f"field {part.name}: too long")
    return data.decode(part.get_charset(default="utf-8"))


async def _drain(part: BodyPartReader) -> None:
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > MAX_FIELD:
            raise UploadRefused(400, "unexpected data in the form")


async def _from_form(request: web.Request, upload: Upload, private: Path, limit: int,
                     file_field: str, suffixes: tuple[str, ...]) -> None:
    form = await request.post()  # cached: read (within the app's body limit) by the middleware
    for name, value in form.items():
        if isinstance(value, str):
            upload.fields[name] = value[:MAX_FIELD]
        elif name == file_field and isinstance(value, web.FileField):
            if upload.path is not None:
                raise UploadRefused(400, "one file at a time")
            path = private / safe_name(value.filename, suffixes)
            with _create(path) as out:
                while chunk := value.file.read(CHUNK):
                    upload.size += len(chunk)
                    if upload.size > limit:
                        raise UploadRefused(413, _too_large(limit))
                    out.write(chunk)
            upload.path = path


def _create(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return open(fd, "wb")  # closed by the caller's with


def _too_large(limit: int) -> str:
    return f"ファイルが大きすぎます（上限 {mib(limit)}） / the file is larger than {mib(limit)}"
