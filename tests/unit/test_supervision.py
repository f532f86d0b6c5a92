"""The board's pure rules: the local day and its hours, per debt type and per hour figures,
campaign states, assignment shares, the callback line's new figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dialer.domain.inbound import InboundCall, InboundEnd, summarize
from dialer.domain.outcomes import Classification
from dialer.domain.supervision import (
    AssignmentCount,
    CampaignState,
    ResultCount,
    assignments,
    by_debt_type,
    campaign_state,
    day_bounds,
    hour_edges,
    hourly,
    local_day,
)

TOKYO = ZoneInfo("Asia/Tokyo")
TABLE = Classification()


def test_the_day_is_the_centres_local_day() -> None:
    late_utc = datetime(2027, 1, 12, 16, 0, tzinfo=UTC)  # 01:00 on the 13th in Tokyo
    assert local_day(late_utc, TOKYO) == date(2027, 1, 13)
    start, end = day_bounds(date(2027, 1, 13), TOKYO)
    assert (start, end) == (datetime(2027, 1, 12, 15, 0, tzinfo=UTC),
                            datetime(2027, 1, 13, 15, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        local_day(datetime(2027, 1, 12, 12, 0), TOKYO)


def test_hours_follow_the_zone_even_on_dst_days() -> None:
    edges = hour_edges(date(2027, 1, 12), TOKYO)
    assert [h for h, _ in edges] == list(range(24))
    assert edges[12][1] == datetime(2027, 1, 12, 3, 0, tzinfo=UTC)
    spring = hour_edges(date(2027, 3, 28), ZoneInfo("Europe/Berlin"))  # 02:00 -> 03:00
    assert len(spring) == 23 and 2 not in [h for h, _ in spring]
    autumn = hour_edges(date(2027, 10, 31), ZoneInfo("Europe/Berlin"))
    assert len(autumn) == 25 and [h for h, _ in autumn].count(2) == 2


def test_per_debt_type_figures() -> None:
    rows = [
        ResultCount("hoikuryo", "out", "101", 3),  # promise, contact
        ResultCount("hoikuryo", "out", "103", 2),  # ★ contact
        ResultCount("hoikuryo", "out", "S02", 5, noted_escalations=1),  # a note flag counts
        ResultCount("hoikuryo", "in", "101", 1),  # a callback's promise
        ResultCount("kyushoku", "out", "202", 4),
        ResultCount("kyushoku", "out", "ZZZ", 1),  # a code of an older table
    ]
    figures = by_debt_type(rows, TABLE, {"hoikuryo": 40, "yakan": 7, "old": 2},
                           {"hoikuryo": "保育料", "kyushoku": "給食費", "yakan": "夜間",
                            "rojin": "老人"})
    assert [f.debt_type for f in figures] == ["hoikuryo", "kyushoku", "yakan", "rojin", "old"]
    hoiku, kyu, yakan, rojin, old = figures
    assert (rojin.calls, rojin.in_play, old.in_play, old.label) == (0, 0, 2, "old")
    assert (hoiku.in_play, hoiku.calls, hoiku.contacts, hoiku.promises, hoiku.escalations,
            hoiku.callbacks) == (40, 10, 5, 4, 3, 1)
    assert hoiku.contact_rate == 0.5 and hoiku.label == "保育料"  # 接触件数率: 5 of 10 calls
    assert (kyu.calls, kyu.contacts, kyu.contact_rate) == (5, 0, 0.0)
    assert (yakan.calls, yakan.contact_rate) == (0, 0.0)  # nothing called: no rate


def test_promises_are_the_codes_the_table_marks_as_promises() -> None:
    """A city table numbering its 納付約束 otherwise (here 301) still counts promises."""
    from dataclasses import replace

    renumbered = Classification(tuple(
        replace(c, code="301") if c.code == "101" else c for c in TABLE.codes))
    rows = [ResultCount("x", "out", "301", 3), ResultCount("x", "out", "101", 2)]
    (row,) = by_debt_type(rows, renumbered, {}, {})
    assert row.promises == 3  # 101 is no code of this table: not a promise
    (row,) = by_debt_type(rows, TABLE, {}, {})
    assert row.promises == 2


def test_the_call_contact_rate_is_contacts_per_outbound_call() -> None:
    rows = [ResultCount("x", "out", "101", 7), ResultCount("x", "out", "S01", 3),
            ResultCount("x", "in", "101", 5)]  # callbacks are not calls
    (row,) = by_debt_type(rows, TABLE, {}, {})
    assert row.contact_rate == pytest.approx(0.7)


def test_hourly_buckets() -> None:
    hours = [h for h, _ in hour_edges(date(2027, 1, 12), TOKYO)]
    rows = [ResultCount("x", "out", "101", 2, bucket=11),
            ResultCount("y", "out", "S01", 2, bucket=11),
            ResultCount("x", "out", "202", 3, bucket=16),
            ResultCount("x", "in", "101", 5, bucket=16),  # a callback: not an outbound call
            ResultCount("x", "out", "101", 9, bucket=30)]
    figures = hourly(rows, TABLE, hours)
    assert len(figures) == 24
    assert (figures[11].calls, figures[11].contacts, figures[11].contact_rate) == (4, 2, 0.5)
    assert (figures[16].calls, figures[16].contacts) == (3, 0)
    assert sum(f.calls for f in figures) == 7  # an index out of range is ignored


@pytest.mark.parametrize(("up", "suspended", "allows", "state"), [
    (True, False, True, CampaignState.RUNNING),
    (True, False, False, CampaignState.WINDOW_CLOSED),
    (True, True, True, CampaignState.SUSPENDED),
    (False, True, True, CampaignState.ASTERISK_DOWN),
    (False, False, False, CampaignState.ASTERISK_DOWN),
])
def test_campaign_state(up: bool, suspended: bool, allows: bool, state: CampaignState) -> None:
    assert campaign_state(asterisk_up=up, suspended=suspended, calendar_allows=allows) is state


def test_assignment_shares() -> None:
    rows = [AssignmentCount(1, "op1", 5, 2), AssignmentCount(1, None, 3, 3),
            AssignmentCount(1, "op2", 7, 7), AssignmentCount(2, "op1", 1, 0)]
    one, two, three = assignments(rows, {1: ("hoikuryo", "2027-01"), 2: ("yakan", "2027-01"),
                                         3: ("kyushoku", "2027-01")})
    assert (one.targets, one.unassigned, one.unassigned_remaining) == (15, 3, 3)
    assert [(s.operator, s.targets, s.remaining) for s in one.operators] == [
        ("op2", 7, 7), ("op1", 5, 2)]
    assert (two.targets, two.unassigned, len(two.operators)) == (1, 0, 1)
    assert (three.targets, three.operators) == (0, ())


def test_callback_line_today_current_waits_and_messages() -> None:
    midnight = 1_000_000.0
    calls = [
        InboundCall("old", midnight - 50, message="out_of_hours", ended_at=midnight - 40,
                    end=InboundEnd.MESSAGE),  # yesterday: not counted
        InboundCall("night", midnight + 10, message="out_of_hours", ended_at=midnight + 30,
                    end=InboundEnd.MESSAGE),
        InboundCall("period", midnight + 20, message="out_of_period", ended_at=midnight + 40,
                    end=InboundEnd.MESSAGE),
        InboundCall("waits", midnight + 100, queued_at=midnight + 105),  # waiting 95 s
        InboundCall("short", midnight + 150, queued_at=midnight + 160),  # waiting 40 s
        InboundCall("heard", midnight + 10, queued_at=midnight + 12, wait_s=45.0,
                    ended_at=midnight + 60, end=InboundEnd.CONNECTED),
        InboundCall("quick", midnight + 10, queued_at=midnight + 12, wait_s=3.0,
                    ended_at=midnight + 60, end=InboundEnd.ABANDONED),
        InboundCall("since-yesterday", midnight - 5, queued_at=midnight - 4),  # still waiting
    ]
    s = summarize(calls, now=midnight + 200, since=midnight, congestion_after_s=30)
    assert (s.received, s.connected, s.abandoned, s.messages) == (7, 1, 1, 2)
    assert (s.waiting_now, s.longest_waiting_now_s) == (3, 204.0)
    assert (s.out_of_hours, s.out_of_period) == (1, 1)
    assert s.congestion == 4  # waits 95, 40, 45 and 204 s; not 3 s
    assert summarize(calls).received == len(calls)  # the old call form: everything

