"""The `dialer` command: parses, loads the configuration once, and hands over to a sub-command.

Everything the command and the service write is private to their user: the umask is 0077 while
a command runs (files 0600, folders 0700) — the database, reports, recordings, keys and rendered
configuration hold personal data or secrets.

Expected failures (bad configuration, a missing prerequisite, an unreachable Asterisk…) print one
clear line and exit 2; they never show a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from dialer import config
from dialer.adapters.ami import AmiError
from dialer.adapters.db.audit_key import AuditKeyError
from dialer.commands import (
    UsageError,
    accounts,
    asterisk,
    audit,
    backup,
    calendar,
    calllist,
    campaign,
    doctor,
    documents,
    erasure,
    intake,
    kpi,
    lines,
    messages,
    outcomes,
    report,
    results,
    sandbox,
    serve,
    settings,
    simulate,
    suspensions,
    users,
)
from dialer.config import ConfigError
from dialer.domain.debt_types import UnknownDebtType
from dialer.pbx import rootfs
from dialer.pbx.prerequisites import PrerequisiteError
from dialer.pbx.sandbox import SandboxError
from dialer.services.callbacks.messages import MessageError

COMMAND_GROUPS = (settings, calendar, outcomes, intake, results, calllist, campaign, users,
                  audit, documents, report, kpi,
                  asterisk, sandbox, serve, messages, simulate, lines,
                  suspensions, erasure, accounts, backup, doctor)
EXPECTED_ERRORS = (
    ConfigError, PrerequisiteError, SandboxError, rootfs.RootfsError, AmiError, OSError,
    UsageError, UnknownDebtType, MessageError, AuditKeyError,
)


PRIVATE_UMASK = 0o077


def main(argv: Sequence[str] | None = None) -> int:
    previous = os.umask(PRIVATE_UMASK)
    try:
        return _run(argv)
    finally:
        os.umask(previous)  # for a caller in the same process (the tests)


def _run(argv: Sequence[str] | None) -> int:
    args = parser().parse_args(argv)
    _logging(args.verbose)
    try:
        loaded = None
        if getattr(args, "needs_settings", True):
            loaded = config.load(config.config_path(args.config))
        code: int = args.handler(args, loaded)
        return code
    except EXPECTED_ERRORS as exc:
        print(f"dialer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="dialer", description="telephone payment-guidance centre")
    root.add_argument("--config", help=f"TOML file (default: ${config.ENV_VAR} or built-in)")
    root.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = root.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return root


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # panoramisk logs every AMI message it reads or sends at DEBUG: callers' numbers, never
    # wanted in a log, even with -v (the service's own lines mask numbers).
    logging.getLogger("panoramisk").setLevel(logging.WARNING)
    # sqlalchemy's engine echo would print statements with their values.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
