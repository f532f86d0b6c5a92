"""`dialer init` and `dialer config show`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from dialer import config
from dialer.commands import Commands
from dialer.config import Settings

SAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "sample_config.toml"


def register(commands: Commands) -> None:
    init = commands.add_parser("init", help="write a commented sample configuration")
    init.add_argument("path", nargs="?", default="dialer.toml")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=init_config, needs_settings=False)

    cfg = commands.add_parser("config", help="the effective configuration")
    sub = cfg.add_subparsers(dest="config_command", required=True)
    show = sub.add_parser("show", help="print it, secrets masked")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_config)


def init_config(args: argparse.Namespace, _settings: Settings | None) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"dialer: {path} exists; use --force to overwrite", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file will hold the AMI and trunk secrets: 0600 even when it existed before (--force).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with open(fd, "w", encoding="utf-8") as out:
        out.write(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    print(f"wrote {path}; check it with: dialer --config {path} config show")
    return 0


def show_config(args: argparse.Namespace, settings: Settings) -> int:
    data = config.as_dict(settings)
    if args.json:
        print(json.dumps({"source": settings.source, **data}, ensure_ascii=False, indent=2))
        return 0
    print(f"# effective configuration (from {settings.source})")
    for section, values in data.items():
        for header, table in ([(f"[[{section}]]", v) for v in values]
                              if isinstance(values, list) else [(f"[{section}]", values)]):
            print(f"\n{header}")
            for key, value in table.items():
                print(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return 0
