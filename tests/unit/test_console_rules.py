"""The console's pure rules: what a result form may save, when logins lock, what an emergency
flag needs, and how the live hub treats a slow reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.domain import login
from dialer.domain.debt_types import DebtType
from dialer.domain.login import AccountState, AddressThrottle, LoginPolicy
from dialer.domain.outcomes import Classification
from dialer.domain.result_form import FormError, ResultForm, validate
from dialer.services.runtime.live import QUEUE_SIZE, LiveHub
from recordings_policy.emergency import FlagError, flag

NOW = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
TABLE = Classification()
DESIGNATED = DebtType("hoikuryo", "保育所等保育料", account_transfer=True)
PLAIN = DebtType("rojin", "老人福祉施設")


def test_a_system_or_unknown_code_is_refused() -> None:
    with pytest.raises(FormError, match="set by the dialer"):
        validate(ResultForm("S01"), TABLE, PLAIN, NOW)
    with pytest.raises(FormError, match="unknown code"):
        validate(ResultForm("999"), TABLE, PLAIN, NOW)


def test_a_promise_on_a_designated_debt_type_needs_the_transfer_answer() -> None:
    with pytest.raises(FormError, match="account transfer"):
        validate(ResultForm("101"), TABLE, DESIGNATED, NOW)
    saved = validate(ResultForm("101", account_transfer="declined"), TABLE, DESIGNATED, NOW)
    assert saved.account_transfer == "declined"
    assert validate(ResultForm("101"), TABLE, PLAIN, NOW).account_transfer == ""
    with pytest.raises(FormError, match="not asked"):
        validate(ResultForm("105", account_transfer="declined"), TABLE, DESIGNATED, NOW)


def test_a_call_back_promise_needs_a_future_time_within_the_horizon() -> None:
    with pytest.raises(FormError, match="agreed time"):
        validate(ResultForm("106"), TABLE, PLAIN, NOW)
    with pytest.raises(FormError, match="future"):
        validate(ResultForm("106", appointment=NOW - timedelta(hours=1)), TABLE, PLAIN, NOW)
    with pytest.raises(FormError, match="future"):
        validate(ResultForm("106", appointment=NOW + timedelta(days=61)), TABLE, PLAIN, NOW)
    later = NOW + timedelta(days=2)
    assert validate(ResultForm("106", appointment=later), TABLE, PLAIN, NOW).appointment == later
    # a time given with a code that is not retried by appointment is dropped
    assert validate(ResultForm("105", appointment=later), TABLE, PLAIN, NOW).appointment is None


def test_escalating_codes_are_always_escalations_and_notes_are_cleaned() -> None:
    saved = validate(ResultForm("103", note=" 分納希望\x00\x07\n来月 "), TABLE, PLAIN, NOW)
    assert saved.escalation and saved.note == "分納希望\n来月"
    assert not validate(ResultForm("201"), TABLE, PLAIN, NOW).escalation
    with pytest.raises(FormError, match="at most"):
        validate(ResultForm("201", note="あ" * 2001), TABLE, PLAIN, NOW)


def test_failures_lock_the_account_then_the_lock_expires() -> None:
    policy = LoginPolicy(max_failures=3, lockout=timedelta(minutes=15))
    state = AccountState(True, 0, None)
    for _ in range(2):
        state = login.after_failure(state, policy, NOW)
        assert not login.locked(state, NOW)
    state = login.after_failure(state, policy, NOW)
    assert login.locked(state, NOW + timedelta(minutes=14))
    assert not login.locked(state, NOW + timedelta(minutes=15))


def test_weak_passwords_are_refused() -> None:
    policy = LoginPolicy()
    assert login.password_problem("short", "op1", policy)
    assert login.password_problem("op1-and-more-text", "op1", policy)
    assert login.password_problem("aaaaaaaaaaaa", "op1", policy)
    assert login.password_problem("correct-horse-42", "op1", policy) is None


def test_an_address_is_throttled_within_its_window_only() -> None:
    throttle = AddressThrottle(LoginPolicy(per_address=3, window=timedelta(minutes=5)))
    for n in range(3):
        assert throttle.allowed("10.0.0.9", NOW + timedelta(seconds=n))
        throttle.failed("10.0.0.9", NOW + timedelta(seconds=n))
    assert not throttle.allowed("10.0.0.9", NOW + timedelta(minutes=1))
    assert throttle.allowed("10.0.0.10", NOW + timedelta(minutes=1))
    assert throttle.allowed("10.0.0.9", NOW + timedelta(minutes=6))


def test_an_emergency_names_its_reason_and_consent() -> None:
    assert flag("call-1", "threat", "granted").reason == "threat"
    with pytest.raises(FlagError, match="describe"):
        flag("call-1", "other", "granted", "  ")
    with pytest.raises(FlagError, match="reason"):
        flag("call-1", "angry", "granted")
    with pytest.raises(FlagError, match="consent"):
        flag("call-1", "crime", "maybe")
    with pytest.raises(FlagError, match="no call"):
        flag("", "crime", "granted")


async def test_a_slow_console_loses_its_oldest_frames_not_the_service_time() -> None:
    hub = LiveHub()
    with hub.subscription("operator:1") as queue, hub.subscription("operator:1") as other:
        for n in range(QUEUE_SIZE + 5):
            assert hub.publish("operator:1", {"n": n}) == 2
        other.get_nowait()
        assert queue.qsize() == QUEUE_SIZE and queue.get_nowait() == {"n": 5}
        assert hub.dropped == 10
    assert hub.count() == 0 and hub.publish("operator:1", {}) == 0


def test_attempts_in_flight_count_until_they_are_answered() -> None:
    throttle = AddressThrottle(LoginPolicy(per_address=3))
    assert all(throttle.begin("10.0.0.9", NOW) for _ in range(3))
    assert not throttle.begin("10.0.0.9", NOW)  # three guesses not yet answered
    throttle.end("10.0.0.9", NOW, failed=False)  # one logged in: room again
    assert throttle.begin("10.0.0.9", NOW)
    for _ in range(3):
        throttle.end("10.0.0.9", NOW, failed=True)
    assert throttle.over("10.0.0.9", NOW) and not throttle.begin("10.0.0.9", NOW)
    assert throttle.begin("10.0.0.9", NOW + timedelta(minutes=6))
