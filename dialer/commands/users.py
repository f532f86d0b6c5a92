"""`dialer user add` / `dialer user list`: the accounts assignment and manager functions need.

Minimal until the console issue brings passwords: whoever runs this has a shell on the server.
"""

from __future__ import annotations

import argparse

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import ROLES
from dialer.commands import Commands
from dialer.commands.intake import add_common, emit
from dialer.config import Settings
from dialer.services import accounts


def register(commands: Commands) -> None:
    sub = commands.add_parser("user", help="accounts (operators, managers, admins)") \
        .add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="add an account")
    add.add_argument("login")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", choices=ROLES, default="operator")
    add.add_argument("--skill", action="append", default=[],
                     help="a debt type this operator is trained for (repeatable)")
    add_common(add, handler=add_user)
    add_common(sub.add_parser("list", help="every account"), handler=list_users)


async def add_user(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    user_id = await accounts.add_user(database, args.login, args.name, args.role, args.skill,
                                      settings.debt_types)
    emit(args, {"id": user_id, "login": args.login}, f"account {args.login} added ({args.role})")
    return 0


async def list_users(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    found = await accounts.list_users(database)
    emit(args, [{**vars(u), "skills": sorted(u.skills)} for u in found], "\n".join(
        f"{u.login:16} {u.role:9} {'active' if u.active else 'inactive':8} "
        f"{','.join(sorted(u.skills)) or '-':30} {u.display_name}" for u in found)
        or "no accounts")
    return 0
