"""The account review's rules: unused accounts for the minimal-accounts rule (§9(4))."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.domain.account_review import AccountFacts, Flag, flags, review, summarize

NOW = datetime(2027, 3, 31, 3, 0, tzinfo=UTC)


def account(login: str = "op1", role: str = "operator", *, active: bool = True,
            created_days: float = 90, last_login_days: float | None = 1,
            has_password: bool = True, must_change: bool = False,
            locked: bool = False) -> AccountFacts:
    return AccountFacts(
        login, login.upper(), role, active, NOW - timedelta(days=created_days),
        None if last_login_days is None else NOW - timedelta(days=last_login_days),
        has_password, must_change, NOW + timedelta(minutes=5) if locked else None)


@pytest.mark.parametrize(("facts", "expected"), [
    (account(), ()),
    (account(last_login_days=30), ()),  # exactly 30 days: not yet idle
    (account(last_login_days=30.01), (Flag.IDLE,)),
    (account(last_login_days=None), (Flag.NEVER_LOGGED_IN,)),
    (account(last_login_days=None, created_days=2), ()),  # a new account has a week
    (account(last_login_days=None, must_change=True), (Flag.NEVER_LOGGED_IN,
                                                        Flag.TEMPORARY_PASSWORD)),
    (account(must_change=True, created_days=3), ()),
    (account(has_password=False, last_login_days=None, created_days=1), (Flag.NO_PASSWORD,)),
    (account(locked=True), (Flag.LOCKED,)),
    (account(active=False, last_login_days=None), (Flag.DISABLED,)),
])
def test_flags(facts: AccountFacts, expected: tuple[Flag, ...]) -> None:
    assert flags(facts, NOW) == expected


def test_the_review_lists_everyone_by_role_and_counts_the_unused_ones() -> None:
    found = review([account("op2", last_login_days=45), account("kanri", "manager"),
                    account("op1"), account("op3", active=False, last_login_days=None),
                    account("sysadm", "admin", last_login_days=None)], NOW, idle_days=30)
    assert [f.account.login for f in found] == ["sysadm", "kanri", "op1", "op2", "op3"]
    assert [f.account.login for f in found if f.unused] == ["sysadm", "op2"]
    assert found[3].days_since_login == 45 and found[0].days_since_login is None
    summary = summarize(found)
    assert summary.active_by_role == {"admin": 1, "manager": 1, "operator": 2}
    assert (summary.unused, summary.disabled) == (2, 1)
    assert [f.unused for f in review([account(last_login_days=10)], NOW, idle_days=7)] == [True]
    with pytest.raises(ValueError):
        review([], NOW, idle_days=0)
