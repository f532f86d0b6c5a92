"""`dialer outcomes show | export`: the call-result classification in force."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from dialer.commands import Commands
from dialer.config import Settings
from dialer.config_tables import classification_toml


def register(commands: Commands) -> None:
    cmd = commands.add_parser("outcomes", help="the call-result classification (架電結果分類表)")
    sub = cmd.add_subparsers(dest="outcomes_command", required=True)
    show = sub.add_parser("show", help="list the codes in force")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_table)
    export = sub.add_parser("export", help="print the table as an editable TOML file")
    export.set_defaults(handler=export_table)


def show_table(args: argparse.Namespace, settings: Settings) -> int:
    codes = settings.classification.codes
    if args.json:
        print(json.dumps([asdict(c) for c in codes], ensure_ascii=False, indent=1))
        return 0
    for c in codes:
        flags = " ".join(f for f, on in (("contact", c.contact), ("ends", c.ends_target),
                                          ("口座振替", c.account_transfer),
                                          ("system", c.system)) if on)
        retry = f"{c.retry}" + (f" {c.retry_after_min} min" if c.retry_after_min else "")
        print(f"{c.code:4} {c.mark or ' ':1} {c.label:24} retry {retry:16} {flags}")
    return 0


def export_table(_args: argparse.Namespace, settings: Settings) -> int:
    print(classification_toml(settings.classification), end="")
    return 0
