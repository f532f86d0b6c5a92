"""`dialer doctor`: the preflight before going live — each check OK, or the fix; exit 1 when
anything must be fixed (a NOTE is advice only). Asterisk is asked over the AMI (login,
privileges, clock); nothing is changed anywhere."""

from __future__ import annotations

import argparse
import asyncio

from dialer import config
from dialer.commands import Commands
from dialer.config import Settings
from dialer.services.runtime import doctor


def register(commands: Commands) -> None:
    parser = commands.add_parser("doctor", help="check a centre before it goes live")
    parser.add_argument("--offline", action="store_true",
                        help="skip the checks that ask Asterisk (AMI login, privileges, clock)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    path = config.config_path(args.config)
    findings = (doctor.offline(settings, path) if args.offline
                else asyncio.run(doctor.check(settings, path)))
    for finding in findings:
        print(finding.line())
    fixes = sum(f.level is doctor.Level.FIX for f in findings)
    print(f"\n{fixes} to fix" if fixes else "\nready to go live")
    return 1 if fixes else 0
