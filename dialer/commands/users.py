"""`dialer user add|list|password|disable|enable`: the console's accounts.

Whoever runs this has a shell on the data server; ``--as`` names the manager who acts (it is
in the access log). A new account gets a temporary password, printed once, to be changed at
the first login; ``password --stdin`` sets a chosen one (installation, scripted setups).
"""

from __future__ import annotations

import argparse
import sys

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import ROLES
from dialer.commands import Commands
from dialer.commands.intake import actor, add_common, emit
from dialer.config import Settings
from dialer.services.governance import accounts
from dialer.services.governance.accounts import login_policy


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
    password = sub.add_parser("password", help="reset a password (temporary unless --stdin)")
    password.add_argument("login")
    password.add_argument("--stdin", action="store_true",
                          help="read the new password from standard input (first line)")
    add_common(password, handler=set_password)
    for verb in ("disable", "enable"):
        change = sub.add_parser(verb, help=f"{verb} an account (it cannot log in while disabled)")
        change.add_argument("login")
        add_common(change, handler=set_active)


async def add_user(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    user_id = await accounts.add_user(database, args.login, args.name, args.role, args.skill,
                                      settings.debt_types, actor=actor(args))
    temporary = await accounts.set_password(database, actor(args), args.login, None,
                                            login_policy(settings))
    emit(args, {"id": user_id, "login": args.login, "temporary_password": temporary},
         f"account {args.login} added ({args.role}); temporary password: {temporary}\n"
         "(shown once; it must be changed at the first login)")
    return 0


async def set_password(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    chosen = sys.stdin.readline().rstrip("\n") if args.stdin else None
    password = await accounts.set_password(database, actor(args), args.login, chosen,
                                           login_policy(settings))
    if chosen is None:
        emit(args, {"login": args.login, "temporary_password": password},
             f"temporary password for {args.login}: {password}\n"
             "(shown once; it must be changed at the first login)")
    else:
        emit(args, {"login": args.login}, f"password of {args.login} set")
    return 0


async def set_active(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    active = args.user_command == "enable"
    await accounts.set_active(database, actor(args), args.login, active)
    emit(args, {"login": args.login, "active": active},
         f"account {args.login} {'enabled' if active else 'disabled'}")
    return 0


async def list_users(args: argparse.Namespace, _s: Settings, database: Database) -> int:
    found = await accounts.list_users(database)
    emit(args, [{**vars(u), "skills": sorted(u.skills)} for u in found], "\n".join(
        f"{u.login:16} {u.role:9} {'active' if u.active else 'inactive':8} "
        f"{','.join(sorted(u.skills)) or '-':30} {u.display_name}" for u in found)
        or "no accounts")
    return 0
