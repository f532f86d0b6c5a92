"""The inbound tracker keeps the calls the day's figures need, not every call of a long run."""

from __future__ import annotations

from dialer.adapters.ami_events import translate
from dialer.domain.call_events import AsteriskShutdown
from dialer.services.callbacks.tracker import KEEP_S, InboundTracker

DAY0 = 1_800_000_000.0


def _nothing() -> AsteriskShutdown:
    raise AssertionError("the event did not translate")


def _call(tracker: InboundTracker, channel_id: str, at: float) -> None:
    for event in ({"Event": "Newexten", "Context": "callback", "Uniqueid": channel_id,
                   "Timestamp": str(at)},
                  {"Event": "Hangup", "Uniqueid": channel_id, "Timestamp": str(at + 30)}):
        tracker.handle(translate(event) or _nothing())


def test_calls_that_ended_long_ago_are_dropped_as_new_ones_end() -> None:
    tracker = InboundTracker()
    for n in range(50):
        _call(tracker, f"old-{n}", DAY0 + n * 60)
    assert len(tracker.calls) == 50
    tracker.handle(translate({"Event": "Newexten", "Context": "callback", "Uniqueid": "waiting",
                              "Timestamp": str(DAY0)}) or _nothing())  # still going on
    _call(tracker, "new", DAY0 + KEEP_S + 4 * 3600)
    assert set(tracker.calls) == {"waiting", "new"}
    assert tracker.summary().received == 2
    assert tracker.ended.qsize() == 51  # every ended call was still handed on to be recorded
