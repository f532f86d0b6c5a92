"""`dialer accounts review`: who has which role, when they last logged in, and the accounts that
look unused (never logged in, idle for ``--days``, temporary password never changed, no
password) — the periodic check behind "accounts only for those who need them" (§9(4)).
Disable what is not needed with ``dialer user disable LOGIN``. The review is in the access log.
"""

from __future__ import annotations

import argparse

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import utcnow
from dialer.commands import Commands, UsageError
from dialer.commands.intake import actor, add_common, emit
from dialer.config import Settings
from dialer.domain import account_review
from dialer.domain.account_review import LABELS, Finding
from dialer.services.governance.account_review import review


def register(commands: Commands) -> None:
    sub = commands.add_parser("accounts", help="account review (minimal accounts, §9(4))") \
        .add_subparsers(dest="accounts_command", required=True)
    rev = sub.add_parser("review", help="roles, last logins and unused accounts")
    rev.add_argument("--days", type=int, default=account_review.IDLE_DAYS, metavar="N",
                     help=f"no login for more than N days is unused "
                          f"(default {account_review.IDLE_DAYS})")
    rev.add_argument("--unused", action="store_true", help="list only the unused accounts")
    add_common(rev, handler=review_accounts)


def _json(finding: Finding) -> dict[str, object]:
    account = finding.account
    return {"login": account.login, "display_name": account.display_name,
            "role": account.role, "active": account.active,
            "created_at": account.created_at, "last_login_at": account.last_login_at,
            "days_since_login": finding.days_since_login,
            "flags": [f.value for f in finding.flags], "unused": finding.unused}


def _line(finding: Finding, settings: Settings) -> str:
    account = finding.account
    last = (account.last_login_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            if account.last_login_at else "never")
    flags = "、".join(LABELS[f] for f in finding.flags) or "-"
    mark = "UNUSED " if finding.unused else "       "
    return (f"{mark}{account.login:16} {account.role:9} "
            f"{'active' if account.active else 'disabled':8} last login {last:16} {flags}")


async def review_accounts(args: argparse.Namespace, settings: Settings,
                          database: Database) -> int:
    if args.days < 1:
        raise UsageError("--days must be 1 or more")
    findings, summary = await review(database, utcnow(), actor(args), args.days)
    shown = [f for f in findings if f.unused] if args.unused else findings
    roles = ", ".join(f"{role} {n}" for role, n in summary.active_by_role.items()) or "none"
    text = "\n".join([*(_line(f, settings) for f in shown),
                      f"active accounts: {roles}; disabled: {summary.disabled}; "
                      f"unused: {summary.unused} (no login for {args.days} days, never "
                      f"logged in, temporary password unchanged, or no password)"])
    if summary.unused:
        text += "\ndisable an account nobody needs: dialer user disable LOGIN --as YOU"
    emit(args, {"accounts": [_json(f) for f in shown],
                "summary": {**vars(summary), "idle_days": args.days}}, text)
    return 0
