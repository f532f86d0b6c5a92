"""Each month's list is dialed only inside its own month's calling period (SPEC §7(2)ア): a May
list left open does not dial in June's period, and opening it then is refused with the reason.
The clock is injected; the runner is the service's own, its Originates kept by a fake link."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dialer import config
from dialer.services.calls.campaigns import period_refusal
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from tests.asterisk.kit import Clock
from tests.asterisk.memory_store import MemoryStore, MemTarget
from tests.component.test_campaign_rate_limit import SentLink

TOKYO = ZoneInfo("Asia/Tokyo")
PERIODS = """
[[periods]]
debt_type = "hoikuryo"
month = "2027-05"
calling = ["2027-05-10", "2027-05-28"]
callback = ["2027-05-10", "2027-06-04"]

[[periods]]
debt_type = "hoikuryo"
month = "2027-06"
calling = ["2027-06-07", "2027-06-25"]
callback = ["2027-06-07", "2027-07-02"]
"""
IN_MAY = datetime(2027, 5, 11, 12, 0, tzinfo=TOKYO)  # Tuesday, inside 11:30-13:30
IN_JUNE = datetime(2027, 6, 8, 12, 0, tzinfo=TOKYO)  # Tuesday, inside 11:30-13:30


def runner(tmp_path: Path, now: datetime, periods: str = PERIODS
           ) -> tuple[CampaignRunner, SentLink]:
    (tmp_path / "cal.toml").write_text(periods)
    settings = config.load(tmp_path / "cal.toml")
    link, pool = SentLink(), OperatorPool()
    for user_id in (1, 2, 3):
        pool.add(user_id, f"op{user_id}", f"seat{user_id}")
        pool.connect(user_id, f"PJSIP/seat{user_id}-1", now)
    # batch 1 is May's list, batch 2 June's
    store = MemoryStore([MemTarget(n, 1 + n % 2, [f"0901234{n:04d}"]) for n in range(1, 40)],
                        settings.classification)
    calendar = config.calendar(settings)
    return CampaignRunner(link, store, pool, lambda: calendar, settings.classification,
                          settings.centre.dedicated_number, Clock(now)), link


async def test_a_may_list_does_not_dial_in_june(tmp_path: Path) -> None:
    june, link = runner(tmp_path, IN_JUNE)
    may_list = Campaign(batch_id=1, debt_type="hoikuryo", month="2027-05")
    june.open(may_list)
    assert not june.may_dial(may_list)
    assert await june.tick() == 0 and link.sent == []
    june.open(Campaign(batch_id=2, debt_type="hoikuryo", month="2027-06"))
    assert await june.tick() == 3  # June's list: one call per ready operator


async def test_a_may_list_dials_in_may(tmp_path: Path) -> None:
    may, link = runner(tmp_path, IN_MAY)
    may.open(Campaign(batch_id=1, debt_type="hoikuryo", month="2027-05"))
    assert await may.tick() == 3 and len(link.sent) == 3


@pytest.mark.parametrize(("today", "month", "reason"), [
    (date(2027, 6, 8), "2027-05", "the calling period of hoikuryo 2027-05 (2027-05-10"),
    (date(2027, 6, 8), "2027-07", "no calling period for hoikuryo 2027-07"),
    (date(2027, 5, 1), "2027-05", ""),  # before its period: may be opened, dials from the 10th
    (date(2027, 6, 8), "2027-06", ""),
])
def test_opening_outside_the_list_s_own_period_is_refused(
        tmp_path: Path, today: date, month: str, reason: str) -> None:
    (tmp_path / "cal.toml").write_text(PERIODS)
    calendar = config.calendar(config.load(tmp_path / "cal.toml"))
    refusal = period_refusal(calendar, today, "hoikuryo", month)
    assert refusal.startswith(reason) if reason else refusal == ""
    if reason.startswith("the calling"):
        assert "has ended" in refusal


def test_the_callback_period_follows_the_list(tmp_path: Path) -> None:
    """A resident of May's list calling back on 2 June is in May's callback period; one of
    June's list is not yet in June's (it starts on the 7th)."""
    (tmp_path / "cal.toml").write_text(PERIODS)
    calendar = config.calendar(config.load(tmp_path / "cal.toml"))
    day = date(2027, 6, 2)
    assert calendar.in_callback_period(day, "hoikuryo", "2027-05")
    assert not calendar.in_callback_period(day, "hoikuryo", "2027-06")
    assert calendar.in_callback_period(day, "hoikuryo")  # the debt type as a whole: yes
    assert not calendar.in_calling_period(day, "hoikuryo", "2027-05")


def test_the_list_whose_period_ends_soonest_is_served_first(tmp_path: Path) -> None:
    text = PERIODS + """
[[periods]]
debt_type = "kyushoku"
month = "2027-06"
calling = ["2027-06-07", "2027-06-18"]
callback = ["2027-06-07", "2027-06-25"]
"""
    june, _link = runner(tmp_path, IN_JUNE, text)
    june.open(Campaign(batch_id=2, debt_type="hoikuryo", month="2027-06"))  # ends the 25th
    june.open(Campaign(batch_id=3, debt_type="kyushoku", month="2027-06"))  # ends the 18th
    june.open(Campaign(batch_id=4, debt_type="hoikuryo"))  # no month: last
    assert [c.batch_id for c in june.by_period_end()] == [3, 2, 4]
