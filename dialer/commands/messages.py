"""`dialer messages set | list | placeholders`: the three messages callers may hear, and the
hold audio between congestion messages (a running Asterisk is asked to reload it)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from dialer.commands import Commands
from dialer.config import Settings
from dialer.pbx import sandbox
from dialer.services.callbacks import hold_music, messages
from dialer.services.callbacks.messages import Installed, MessageStatus


def register(commands: Commands) -> None:
    cmd = commands.add_parser("messages", help="the callback messages (時間外・期間外・混雑時) "
                              "and the hold audio (保留音)")
    sub = cmd.add_subparsers(dest="messages_command", required=True)
    set_cmd = sub.add_parser("set", help="convert FILE (WAV, MP3…) and install it as NAME; "
                             "the version it replaces is kept")
    set_cmd.add_argument("name", choices=messages.ALL_NAMES)
    set_cmd.add_argument("file", type=Path)
    set_cmd.add_argument("--json", action="store_true")
    set_cmd.set_defaults(handler=set_message)
    list_cmd = sub.add_parser("list", help="what is installed, checked as Asterisk will read it")
    list_cmd.add_argument("--json", action="store_true")
    list_cmd.set_defaults(handler=list_messages)
    gen = sub.add_parser("placeholders", help="generate stand-ins for missing messages "
                         "(sandbox/demo; espeak-ng, else tones; the hold audio a chime)")
    gen.add_argument("--force", action="store_true", help="replace installed messages too")
    gen.add_argument("--json", action="store_true")
    gen.set_defaults(handler=placeholders)
    for parser in (set_cmd, list_cmd, gen):
        parser.add_argument("--sandbox", type=Path, metavar="DIR",
                            help="the messages of the sandbox running in DIR (dialer sandbox up "
                                 "--dir DIR), not the configured sounds folder")


def _where(args: argparse.Namespace, settings: Settings) -> Settings:
    """``settings``, or as they are inside the sandbox of ``--sandbox DIR``."""
    if args.sandbox is None:
        return settings
    state = sandbox.load_state(args.sandbox)
    if state is None:
        raise SystemExit(f"no sandbox in {args.sandbox}: start one with "
                         f"dialer sandbox up --dir {args.sandbox}")
    return sandbox.service_settings(settings, state)


def set_message(args: argparse.Namespace, settings: Settings) -> int:
    settings = _where(args, settings)
    done = messages.set_message(settings, args.name, args.file)
    reloaded = _reload_hold(settings) if args.name == messages.HOLD.name and not done.unchanged \
        else None
    if args.json:
        print(json.dumps(_installed_json(done) | ({"asterisk": reloaded} if reloaded else {}),
                         ensure_ascii=False, indent=1))
        return 0
    print(f"{args.name}: {_installed_text(done)}")
    if reloaded:
        print(reloaded)
    return 0


def _reload_hold(settings: Settings) -> str:
    """Ask the running Asterisk to list the hold folder again; what came of it, in one line."""
    failed = asyncio.run(hold_music.reload_running(settings))
    if failed is None:
        return "Asterisk reloaded music on hold: waiting callers hear the new hold audio"
    return (f"Asterisk not reached ({failed}): it reads the hold audio when it starts, and "
            f"`dialer serve` reloads it at start; to reload now, on the Asterisk host: "
            f"{hold_music.reload_command(settings)}")


def list_messages(args: argparse.Namespace, settings: Settings) -> int:
    settings = _where(args, settings)
    found = messages.list_messages(settings)
    if args.json:
        print(json.dumps([s.as_json() for s in found], ensure_ascii=False, indent=1))
        return 0
    print(f"messages in {settings.paths.sounds_dir} (Asterisk plays "
          f"{settings.asterisk.sounds_dir}/<name>)")
    for s in found:
        print(_status_line(s))
    absent = [s.name for s in found if not s.playable and s.name in messages.NAMES]
    print(f"missing or unplayable: {', '.join(absent)}; the callback line stays closed until "
          "they are installed (dialer messages set NAME FILE)" if absent
          else f"all {len(messages.NAMES)} messages playable")
    if messages.hold_missing(settings):
        print(f"no hold audio: {messages.HOLD_SILENT} (dialer messages set hold FILE)")
    return 0


def placeholders(args: argparse.Namespace, settings: Settings) -> int:
    settings = _where(args, settings)
    done = messages.install_placeholders(settings, force=args.force)
    hold = done.get(messages.HOLD.name)
    reloaded = _reload_hold(settings) if hold is not None and not hold.unchanged else None
    if args.json:
        found = {n: _installed_json(d) for n, d in done.items()}
        if reloaded:
            found[messages.HOLD.name]["asterisk"] = reloaded
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return 0
    if not done:
        print("all messages are installed; nothing generated (--force replaces them)")
    for name, installed in done.items():
        print(f"{name}: {_installed_text(installed)}")
    if done:
        print("placeholders are for the sandbox and demos: install the city's recordings with "
              "dialer messages set NAME FILE")
    if reloaded:
        print(reloaded)
    return 0


def _installed_text(done: Installed) -> str:
    s = done.status
    if done.unchanged:
        return f"unchanged (the same audio is already installed, sha256 {_short(s)})"
    kept = f"; previous version kept as {done.previous}" if done.previous else ""
    return (f"installed {s.duration_s:.2f} s, {_format(s)}, sha256 {_short(s)}, "
            f"from {done.source}{kept}")


def _installed_json(done: Installed) -> dict[str, object]:
    return {**done.status.as_json(), "from": done.source, "unchanged": done.unchanged,
            "previous": str(done.previous) if done.previous else None}


def _status_line(s: MessageStatus) -> str:
    if not s.installed:
        state = "MISSING"
        details = ""
    else:
        state = "installed" if s.playable else "UNPLAYABLE"
        when = f"{s.installed_at:%Y-%m-%d %H:%M:%S} UTC" if s.installed_at else "-"
        details = (f"{s.duration_s or 0:7.2f} s  {_format(s)}  sha256 {_short(s)}  {when}"
                   if s.frame_rate else s.problem or "")
        if s.frame_rate:
            details += f"  from {s.source or 'unknown (changed outside dialer)'}"
    return (f"{s.name:14} {state:10} {details:76}  {s.previous_versions} previous  "
            f"{s.label}")


def _format(s: MessageStatus) -> str:
    channels = {1: "mono", 2: "stereo"}.get(s.channels or 0, f"{s.channels} ch")
    return f"{s.frame_rate} Hz {channels} {8 * (s.sample_width or 0)}-bit"


def _short(s: MessageStatus) -> str:
    return (s.sha256 or "")[:12]
