"""The three recorded messages callers on the dedicated number may hear (SPEC "Inbound callbacks"),
and the hold audio they hear between congestion messages while they wait.

They are the only recorded audio residents ever hear, agreed with the city, and replaceable:
``<sounds_dir>/<name>.wav`` in the one format Asterisk plays (8 kHz mono 16-bit), played by the
dialplan as ``Playback(<sounds_dir>/<name>)``; the hold audio is ``<sounds_dir>/hold/hold.wav``,
the folder of musiconhold.conf's class ``dialer-hold`` (res_musiconhold lists it as it loads:
:mod:`dialer.services.callbacks.hold_music` asks a running Asterisk to reload it). Installing one
converts the city's file, keeps the one it replaces under ``history/`` (never overwritten) and
swaps the new one in atomically, so Asterisk never sees half a file. The service must not open
the callback line while one of the three messages is missing (:func:`require_all`); without hold
audio it opens, and callers hear silence between the congestion messages (:func:`hold_missing`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import wave
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from dialer.adapters import audio, shared_folders
from dialer.config import Settings

log = logging.getLogger(__name__)

MANIFEST = "messages.json"  # where each message came from; Asterisk ignores it
LOCK = ".messages.lock"
HISTORY = "history"
PLAYABLE = (audio.RATE_HZ, audio.CHANNELS, audio.SAMPLE_WIDTH)


@dataclass(frozen=True)
class Message:
    name: str
    label: str
    text: str  # what a placeholder says, as the city would read it
    reading: str  # the same in kana, spelled as spoken, for espeak-ng
    tones: tuple[int, ...]  # the placeholder when espeak-ng is not installed


MESSAGES = (
    Message("out_of_hours", "対応時間外応答メッセージ",
            "お電話ありがとうございます。ただいまの時間は受付時間外です。"
            "恐れ入りますが、受付時間内におかけ直しください。",
            "おでんわ ありがとうございます。ただいまの じかんわ、うけつけじかんがいです。"
            "おそれいりますが、うけつけじかんないに、おかけなおしください。", (660, 440)),
    Message("out_of_period", "対応期間外応答メッセージ",
            "お電話ありがとうございます。現在は、折り返しのお電話をお受けする期間外です。"
            "恐れ入りますが、ご用件は各担当課へお問い合わせください。",
            "おでんわ ありがとうございます。げんざいわ、おりかえしの おでんわを おうけする"
            " きかんがいです。おそれいりますが、ごようけんわ、かくたんとうかえ"
            " おといあわせください。", (660, 440, 330)),
    Message("congestion", "混雑時応答メッセージ",
            "お電話ありがとうございます。ただいま大変混み合っております。"
            "順番におつなぎしますので、このままお待ちください。",
            "おでんわ ありがとうございます。ただいま たいへん こみあっております。"
            "じゅんばんに おつなぎしますので、このまま おまちください。", (440, 440, 440)),
)
HOLD = Message("hold", "保留音", "（話し声のない、やわらかいチャイム）", "", ())
HOLD_DIR = "hold"  # musiconhold.conf: directory = <sounds_dir>/hold
SOUNDS = (*MESSAGES, HOLD)
BY_NAME = {m.name: m for m in SOUNDS}
NAMES = tuple(m.name for m in MESSAGES)  # the callback line needs these three
ALL_NAMES = tuple(BY_NAME)  # what `dialer messages` installs and lists
HOLD_SILENT = "callers hear silence between congestion messages"


class MessageError(Exception):
    """A message cannot be installed or used; the text says why, in one line."""


class MessagesMissing(MessageError):
    """The callback line must not open: some messages are missing or unplayable."""

    def __init__(self, names: list[str], sounds_dir: Path) -> None:
        self.names = names
        super().__init__(
            f"the callback line stays closed: message(s) missing or unplayable in {sounds_dir}: "
            f"{', '.join(names)}; install with: dialer messages set NAME FILE")


@dataclass(frozen=True)
class MessageStatus:
    name: str
    label: str
    path: str
    installed: bool
    playable: bool
    problem: str | None = None
    duration_s: float | None = None
    frame_rate: int | None = None
    channels: int | None = None
    sample_width: int | None = None
    sha256: str | None = None
    installed_at: datetime | None = None
    source: str | None = None
    previous_versions: int = 0

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["installed_at"] = self.installed_at.isoformat() if self.installed_at else None
        return data


@dataclass(frozen=True)
class Installed:
    status: MessageStatus
    source: str  # the file's name, or "placeholder (espeak-ng|tones)"
    previous: Path | None  # where the replaced version was kept
    unchanged: bool = False  # the same audio was already installed: nothing was written


def message_path(settings: Settings, name: str) -> Path:
    if _known(name) == HOLD.name:
        return settings.paths.sounds_dir / HOLD_DIR / f"{HOLD.name}.wav"
    return settings.paths.sounds_dir / f"{name}.wav"


def set_message(settings: Settings, name: str, source: Path) -> Installed:
    """Convert ``source`` and install it as ``name``, keeping the version it replaces."""

    def write(tmp: Path) -> str:
        audio.convert(source, tmp)
        return source.name

    return _install(settings, name, write, source.name)


def install_placeholders(settings: Settings, force: bool = False,
                         names: tuple[str, ...] = ALL_NAMES) -> dict[str, Installed]:
    """Generate stand-ins for the missing sounds of ``names`` (for all of them with ``force``):
    the messages spoken (espeak-ng, else tones), the hold audio a soft chime."""
    done: dict[str, Installed] = {}
    for name in map(_known, names):
        if force or not _playable(message_path(settings, name)):
            done[name] = _install(settings, name, _placeholder(BY_NAME[name]), "placeholder")
    return done


def _placeholder(message: Message) -> Callable[[Path], str]:
    def write(tmp: Path) -> str:
        if message is HOLD:
            audio.chime(tmp)
            return "placeholder (chime)"
        _, method = audio.placeholder(message.reading, tmp, message.tones)
        return f"placeholder ({method})"

    return write


def install_hold_placeholder(settings: Settings) -> None:
    """A chime as hold audio unless some is installed: the sandbox calls this before Asterisk
    boots, so res_musiconhold loads the class ``dialer-hold`` with a file."""
    install_placeholders(settings, names=(HOLD.name,))


def list_messages(settings: Settings) -> list[MessageStatus]:
    """The three messages, then the hold audio."""
    return [status(settings, name) for name in ALL_NAMES]


def missing(settings: Settings) -> list[str]:
    """The messages Asterisk could not play now: absent, or not 8 kHz mono 16-bit WAV.

    Cheap (three WAV headers, no hashing): fine to call from the event loop.
    """
    return [n for n in NAMES if not _playable(message_path(settings, n))]


def hold_missing(settings: Settings) -> bool:
    """No playable hold audio: waiting callers hear silence between congestion messages (the
    callback line still opens)."""
    return not _playable(message_path(settings, HOLD.name))


def require_all(settings: Settings) -> None:
    """Raise MessagesMissing unless all three messages are installed and playable.

    The service calls this before it opens the callback line.
    """
    names = missing(settings)
    if names:
        raise MessagesMissing(names, settings.paths.sounds_dir)


def status(settings: Settings, name: str) -> MessageStatus:
    """What is installed as ``name``, verified from the WAV header as Asterisk will read it."""
    path = message_path(settings, name)
    base = MessageStatus(name, BY_NAME[name].label, str(path), installed=path.is_file(),
                         playable=False, previous_versions=len(_history(settings, name)))
    fmt, found = _header(path)
    if isinstance(found, str):
        return replace(base, problem=found)
    digest = _sha256(path)
    playable = fmt == PLAYABLE
    return replace(
        base, playable=playable,
        problem=None if playable else "not 8000 Hz mono 16-bit: Asterisk cannot play it",
        duration_s=round(found, 3), frame_rate=fmt[0], channels=fmt[1], sample_width=fmt[2],
        sha256=digest, installed_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
        source=_source(settings, name, digest))


def _playable(path: Path) -> bool:
    return _header(path)[0] == PLAYABLE


def _header(path: Path) -> tuple[tuple[int, int, int], float | str]:
    """(rate, channels, sample width) and duration, read with ``wave``; else what is wrong."""
    if not path.is_file():
        return (0, 0, 0), "missing"
    try:
        with wave.open(str(path), "rb") as wav:
            fmt = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
            return fmt, wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError) as exc:
        return (0, 0, 0), f"not a PCM WAV file ({exc})"


def _install(settings: Settings, name: str, write: Callable[[Path], str],
             what: str) -> Installed:
    target = message_path(settings, name)
    shared_folders.make(target.parent)  # Asterisk, another user, reads it
    with _locked(settings.paths.sounds_dir), _temporary(target) as tmp:
        try:
            source = write(tmp)
        except audio.AudioError as exc:
            raise MessageError(f"{name}: refused {what}: {exc}") from None
        if target.is_file() and _sha256(tmp) == _sha256(target):
            return Installed(status(settings, name), source, None, unchanged=True)
        previous = _keep_previous(settings, name)
        _publish(tmp, target)
        _record_source(settings, name, source)
    log.info("message %s installed from %s%s", name, source,
             f"; previous version kept as {previous}" if previous else "")
    return Installed(status(settings, name), source, previous)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One installer at a time per sounds folder (history names, the manifest)."""
    with (folder / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A scratch file next to ``target`` (same filesystem, so rename is atomic); removed after."""
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _publish(tmp: Path, target: Path) -> None:
    tmp.chmod(0o644)  # mkstemp makes it 0600; Asterisk runs as another user and must read it
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _keep_previous(settings: Settings, name: str) -> Path | None:
    """Copy the installed version to ``history/<name>-<UTC time>[-n].wav``, never overwriting."""
    current = message_path(settings, name)
    if not current.is_file():
        return None
    folder = settings.paths.sounds_dir / HISTORY
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        kept = folder / (f"{name}-{stamp}" + (f"-{n}" if n else "") + ".wav")
        try:
            with current.open("rb") as src, kept.open("xb") as dst:
                dst.write(src.read())
        except FileExistsError:
            continue
        return kept
    raise MessageError(f"{name}: too many versions kept in {folder} at {stamp}")


def _history(settings: Settings, name: str) -> list[Path]:
    return sorted((settings.paths.sounds_dir / HISTORY).glob(f"{name}-*.wav"))


def _manifest(settings: Settings) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((settings.paths.sounds_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _source(settings: Settings, name: str, digest: str) -> str | None:
    """Where the installed audio came from; None if it was changed outside `dialer`."""
    entry = _manifest(settings).get(name)
    if isinstance(entry, dict) and entry.get("sha256") == digest:
        return entry.get("source")
    return None


def _record_source(settings: Settings, name: str, source: str) -> None:
    data = _manifest(settings)
    data[name] = {"sha256": _sha256(message_path(settings, name)), "source": source}
    path = settings.paths.sounds_dir / MANIFEST
    with _temporary(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        _publish(tmp, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _known(name: str) -> str:
    if name not in BY_NAME:
        raise MessageError(f"unknown message {name!r} (known: {', '.join(NAMES)})")
    return name
