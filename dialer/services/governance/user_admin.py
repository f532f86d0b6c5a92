"""What the accounts page shows and picks: the roles there are, an account as listed (no
password hash), and one account by its id. Creating, disabling and resetting are in
``accounts``."""

from __future__ import annotations

from dialer.adapters.db.engine import Database
from dialer.adapters.db.models import ROLES
from dialer.adapters.db.users import Account
from dialer.services.governance import accounts

__all__ = ["ROLES", "Account", "account"]


async def account(database: Database, user_id: int) -> Account | None:
    """The account with this id, or None."""
    found = [a for a in await accounts.list_accounts(database) if a.user.id == user_id]
    return found[0] if found else None
