"""The periodic account review (SPEC "Access control and logs", §9(4): accounts only for those
who need them): who has which role, when they last logged in, and which accounts look unused.

Pure: the accounts and the instant in, the findings out. Rules, decided here once:

* An active account is *unused* when any of these holds:
  - it never logged in and was created more than ``grace_days`` ago;
  - its last login is more than ``idle_days`` ago;
  - its temporary password was never changed and it was created more than ``grace_days`` ago;
  - it has no password at all (nobody can log in with it).
* A disabled account cannot log in: listed, never counted as unused.
* A locked account (too many failures) is noted; the lock ends by itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

IDLE_DAYS = 30
GRACE_DAYS = 7


class Flag(StrEnum):
    NEVER_LOGGED_IN = "never_logged_in"
    IDLE = "idle"
    TEMPORARY_PASSWORD = "temporary_password"  # noqa: S105 - a finding's name
    NO_PASSWORD = "no_password"  # noqa: S105 - a finding's name
    LOCKED = "locked"
    DISABLED = "disabled"


LABELS = {
    Flag.NEVER_LOGGED_IN: "ログイン実績なし",
    Flag.IDLE: "長期間ログインなし",
    Flag.TEMPORARY_PASSWORD: "仮パスワード未変更",
    Flag.NO_PASSWORD: "パスワード未設定",
    Flag.LOCKED: "ロック中",
    Flag.DISABLED: "無効",
}
UNUSED = frozenset({Flag.NEVER_LOGGED_IN, Flag.IDLE, Flag.TEMPORARY_PASSWORD,
                    Flag.NO_PASSWORD})


@dataclass(frozen=True)
class AccountFacts:
    login: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    has_password: bool
    must_change: bool
    locked_until: datetime | None


@dataclass(frozen=True)
class Finding:
    account: AccountFacts
    flags: tuple[Flag, ...]
    days_since_login: int | None  # None: never logged in

    @property
    def unused(self) -> bool:
        return self.account.active and any(f in UNUSED for f in self.flags)


@dataclass(frozen=True)
class Summary:
    active_by_role: dict[str, int]
    unused: int
    disabled: int


def flags(account: AccountFacts, now: datetime, idle_days: int = IDLE_DAYS,
          grace_days: int = GRACE_DAYS) -> tuple[Flag, ...]:
    if not account.active:
        return (Flag.DISABLED,)
    found = []
    settled = now - account.created_at > timedelta(days=grace_days)
    if account.last_login_at is None:
        if settled:
            found.append(Flag.NEVER_LOGGED_IN)
    elif now - account.last_login_at > timedelta(days=idle_days):
        found.append(Flag.IDLE)
    if account.has_password and account.must_change and settled:
        found.append(Flag.TEMPORARY_PASSWORD)
    if not account.has_password:
        found.append(Flag.NO_PASSWORD)
    if account.locked_until is not None and now < account.locked_until:
        found.append(Flag.LOCKED)
    return tuple(found)


def review(accounts: Iterable[AccountFacts], now: datetime, idle_days: int = IDLE_DAYS,
           grace_days: int = GRACE_DAYS) -> list[Finding]:
    """Every account with its findings, by role then login."""
    if idle_days < 1 or grace_days < 0:
        raise ValueError("idle_days must be 1 or more, grace_days 0 or more")
    found = []
    for account in sorted(accounts, key=lambda a: (a.role, a.login)):
        since = (None if account.last_login_at is None
                 else max(0, (now - account.last_login_at).days))
        found.append(Finding(account, flags(account, now, idle_days, grace_days), since))
    return found


def summarize(findings: Iterable[Finding]) -> Summary:
    items = list(findings)
    roles = Counter(f.account.role for f in items if f.account.active)
    return Summary(dict(sorted(roles.items())), sum(f.unused for f in items),
                   sum(not f.account.active for f in items))
