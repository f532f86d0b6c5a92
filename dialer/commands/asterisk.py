"""`dialer asterisk render`: the production Asterisk configuration for this site."""

from __future__ import annotations

import argparse
from pathlib import Path

from dialer import config
from dialer.commands import Commands
from dialer.config import Settings
from dialer.pbx import render


def register(commands: Commands) -> None:
    ast = commands.add_parser("asterisk", help="the Asterisk configuration for a production host")
    sub = ast.add_subparsers(dest="asterisk_command", required=True)
    rnd = sub.add_parser("render", help="render asterisk_conf/ for this site into a folder")
    rnd.add_argument("--out", required=True, type=Path)
    rnd.set_defaults(handler=render_config)


def render_config(args: argparse.Namespace, settings: Settings) -> int:
    for path in render.write(render.render(settings, today=config.today(settings)), args.out):
        print(path)
    return 0
