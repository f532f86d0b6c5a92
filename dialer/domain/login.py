"""Who may log in, and when an account or an address is held back (pure).

An account locks for ``lockout`` after ``max_failures`` wrong passwords in a row; a success
resets the count. Every attempt is counted *before* its password is checked, so attempts made at
the same moment cannot get more than ``max_failures`` checks between them. An address that keeps
failing, whatever the account, is slowed down: more than ``per_address`` attempts (in flight or
failed) in ``window`` and it must wait (a throttle, not a lock, so a typo-prone colleague at the
same NAT is never locked out of their own account). A temporary password is good for
``temporary_valid`` only.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    per_address: int = 10
    window: timedelta = timedelta(minutes=5)
    min_password_length: int = 10
    temporary_valid: timedelta = timedelta(days=3)


@dataclass(frozen=True)
class AccountState:
    active: bool
    failed_logins: int
    locked_until: datetime | None


def locked(state: AccountState, now: datetime) -> bool:
    return state.locked_until is not None and now < state.locked_until


def after_failure(state: AccountState, policy: LoginPolicy, now: datetime) -> AccountState:
    failed = state.failed_logins + 1
    until = now + policy.lockout if failed >= policy.max_failures else state.locked_until
    return AccountState(state.active, 0 if failed >= policy.max_failures else failed, until)


def attempt_allowed(claimed: int, state: AccountState, policy: LoginPolicy,
                    now: datetime) -> bool:
    """Whether the attempt numbered ``claimed`` (counted before the check) may have its
    password checked: the account is not locked and not over its failures."""
    return not locked(state, now) and claimed <= policy.max_failures


def after_wrong(claimed: int, state: AccountState, policy: LoginPolicy,
                now: datetime) -> AccountState:
    """The state after the attempt numbered ``claimed`` turned out wrong (it is counted)."""
    if claimed >= policy.max_failures:
        return AccountState(state.active, 0, now + policy.lockout)
    return AccountState(state.active, claimed, state.locked_until)


def temporary_expired(must_change: bool, set_at: datetime | None, policy: LoginPolicy,
                      now: datetime) -> bool:
    """A temporary password older than ``temporary_valid`` no longer logs in."""
    return must_change and set_at is not None and now - set_at > policy.temporary_valid


def password_problem(password: str, login: str, policy: LoginPolicy) -> str | None:
    """Why a chosen password is refused, or None."""
    if len(password) < policy.min_password_length:
        return f"at least {policy.min_password_length} characters"
    if login and login.lower() in password.lower():
        return "must not contain the login"
    if len(set(password)) < 4:
        return "too repetitive"
    return None


class AddressThrottle:
    """Failed logins per remote address in a sliding window, and the attempts in flight: an
    address gets at most ``per_address`` password checks between its recent failures and the
    attempts not yet answered (concurrent guesses cannot overtake the count)."""

    def __init__(self, policy: LoginPolicy) -> None:
        self._policy = policy
        self._failures: dict[str, deque[datetime]] = {}
        self._in_flight: dict[str, int] = {}

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        times = self._failures.setdefault(address, deque())
        while times and now - times[0] > self._policy.window:
            times.popleft()
        if not times:
            del self._failures[address]
            return deque()
        return times

    def allowed(self, address: str, now: datetime) -> bool:
        """Whether one more attempt may start now."""
        used = len(self._recent(address, now)) + self._in_flight.get(address, 0)
        return used < self._policy.per_address

    def over(self, address: str, now: datetime) -> bool:
        """Whether the failures alone fill the window (waiting for attempts in flight to end
        cannot help: the address must wait out the window)."""
        return len(self._recent(address, now)) >= self._policy.per_address

    def failed(self, address: str, now: datetime) -> None:
        self._recent(address, now)
        self._failures.setdefault(address, deque()).append(now)

    def begin(self, address: str, now: datetime) -> bool:
        """Start an attempt if the address has room (failures and attempts in flight); False
        when it has none now."""
        if not self.allowed(address, now):
            return False
        self._in_flight[address] = self._in_flight.get(address, 0) + 1
        return True

    def end(self, address: str, now: datetime, failed: bool) -> None:
        """The attempt ``begin`` started is answered: a failure stays counted in the window."""
        left = self._in_flight.get(address, 0) - 1
        if left > 0:
            self._in_flight[address] = left
        else:
            self._in_flight.pop(address, None)
        if failed:
            self.failed(address, now)
