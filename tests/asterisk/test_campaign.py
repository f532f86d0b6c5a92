"""The campaign runner on the real sandbox: a farm of sipp residents, sipp operator phones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from dialer.adapters.ami import AmiLink
from dialer.config import Settings
from dialer.domain.attempt import Phase
from dialer.domain.calendar import Calendar, Suspension
from dialer.domain.operators import SeatState
from dialer.domain.pacing import Mode, Policy
from dialer.pbx import sipp
from dialer.pbx.sandbox import SandboxState
from dialer.services.calls.runner import Campaign, CampaignRunner
from dialer.services.console.operator_pool import OperatorPool
from dialer.services.console.seat_sync import SeatSync
from dialer.services.console.seats import connect_seat, disconnect_seat
from tests.asterisk.kit import (
    CLOSED,
    OPEN,
    Clock,
    make_runner,
    running_runner,
    until,
)
from tests.asterisk.memory_store import MemoryStore, MemTarget
from tests.support import ami_wire


@pytest.fixture
async def farms(sandbox_state: SandboxState, tmp_path: Path) -> AsyncIterator[None]:
    async with sipp.running(["-sn", "uas"], sandbox_state.phones_port, tmp_path), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], sandbox_state.carrier_port, tmp_path):
        yield


@pytest.fixture
async def operators(ami: AmiLink, sandbox_state: SandboxState, farms: None
                    ) -> AsyncIterator[OperatorPool]:
    pool = OperatorPool()
    channels = []
    for user_id, seat in enumerate(sandbox_state.seats[:2], start=1):
        pool.add(user_id, f"op{user_id}", seat)
        channel = await connect_seat(ami, seat)
        channels.append(channel)
        pool.connect(user_id, channel, OPEN)
    yield pool
    for channel in channels:
        await disconnect_seat(ami, channel)


async def test_outcomes_of_a_small_campaign_are_recorded(
    ami: AmiLink, settings: Settings, calendar: Calendar, operators: OperatorPool
) -> None:
    # Last digit picks the simulated resident: 1 busy, 2 no answer, 3 dead (then 2nd number
    # answers and talks 2 s), 4 answers and talks 2 s.
    targets = [MemTarget(1, 7, ["09011110001"]), MemTarget(2, 7, ["09011110002"]),
               MemTarget(3, 7, ["09011110003", "09011110004"]), MemTarget(4, 7, ["0311110004"])]
    store = MemoryStore(targets, settings.classification)
    runner = make_runner(ami, store, operators, calendar, settings, Clock(OPEN))
    runner.open(Campaign(batch_id=7, debt_type="hoikuryo", ring_timeout_s=3))
    async with running_runner(runner, operators):
        def settled() -> bool:
            recorded = [a for a in store.attempts.values() if a.result_code]
            return len(recorded) == 5 and not runner.in_flight
        assert await until(settled, 25), store.attempts
    codes = sorted((a.target_id, a.phone_position, a.result_code)
                   for a in store.attempts.values())
    assert [a.phase for a in store.attempts.values()].count(Phase.WRAP_UP) == 2
    assert codes == [(1, 0, "S01"), (2, 0, "S02"), (3, 0, "S03"), (3, 1, "101"), (4, 0, "101")]
    assert store.targets[3].done and store.targets[4].done
    assert store.targets[1].due_at is not None and not store.targets[1].done  # busy: retried
    assert all(op.state is SeatState.READY for op in operators.all())


async def test_nothing_is_dialed_outside_a_window_or_while_suspended(
    ami: AmiLink, settings: Settings, calendar: Calendar, operators: OperatorPool
) -> None:
    store = MemoryStore([MemTarget(n, 8, [f"0901111{n:04d}"]) for n in range(1, 4)],
                        settings.classification)
    clock = Clock(CLOSED)
    runner = make_runner(ami, store, operators, calendar, settings, clock)
    runner.open(Campaign(batch_id=8, debt_type="hoikuryo"))
    assert await runner.tick() == 0 and not store.attempts
    assert await runner.check_windows() == {8: False}
    clock.now = OPEN
    assert await runner.check_windows() == {8: True}
    runner.suspension = Suspension(debt_types=frozenset({"hoikuryo"}))
    assert await runner.tick() == 0 and not store.attempts
    runner.suspension = Suspension()
    waiting = CampaignRunner(ami, store, operators, lambda: calendar, settings.classification,
                             settings.centre.dedicated_number, clock, inbound_waiting=lambda: 1)
    waiting.open(Campaign(batch_id=8, debt_type="hoikuryo"))
    assert await waiting.tick() == 0 and not store.attempts  # callers waiting come first
    other = make_runner(ami, store, operators, calendar, settings, clock)
    other.open(Campaign(batch_id=8, debt_type="kyushoku"))  # not in its calling period
    assert await other.tick() == 0 and not store.attempts


async def test_a_suspension_stops_new_dials_within_one_second(
    ami: AmiLink, settings: Settings, calendar: Calendar, operators: OperatorPool
) -> None:
    # Forty busy residents: each dial ends at once, so the runner keeps dialing until stopped.
    store = MemoryStore([MemTarget(n, 10, [f"090333{n:04d}1"]) for n in range(1, 41)],
                        settings.classification)
    runner = make_runner(ami, store, operators, calendar, settings, Clock(OPEN))
    runner.open(Campaign(batch_id=10, debt_type="hoikuryo", ring_timeout_s=5))
    async with running_runner(runner, operators):
        assert await until(lambda: len(store.attempts) >= 4, 10)
        runner.suspension = Suspension(all_calling=True)
        await asyncio.sleep(1.0)
        after_one_second = len(store.attempts)
        await asyncio.sleep(2.0)
        assert len(store.attempts) == after_one_second  # nothing new once the second is over
    assert after_one_second < 40


async def test_an_impossible_number_never_stops_the_dialer(
    ami: AmiLink, settings: Settings, calendar: Calendar, operators: OperatorPool
) -> None:
    store = MemoryStore([MemTarget(1, 11, ["12345"]), MemTarget(2, 11, ["09044440001"])],
                        settings.classification)
    runner = make_runner(ami, store, operators, calendar, settings, Clock(OPEN))
    runner.open(Campaign(batch_id=11, debt_type="hoikuryo", ring_timeout_s=5))
    async with running_runner(runner, operators):
        assert await until(lambda: sum(a.result_code is not None
                                       for a in store.attempts.values()) == 2, 10)
    assert sorted(a.result_code for a in store.attempts.values()) == ["S01", "S03"]


async def test_predictive_dials_ahead_and_unreserved_answers_reach_free_operators(
    ami: AmiLink, settings: Settings, calendar: Calendar, operators: OperatorPool,
    sandbox_state: SandboxState,
) -> None:
    await SeatSync(ami).reset(list(sandbox_state.seats))
    sync = SeatSync(ami)
    operators.on_change(sync.changed)
    for op in operators.all():  # the queue may ring only the seats of ready operators
        await sync.apply(op.seat, "NOT_INUSE", op.channel)
    # Mostly residents who let it ring (...2), some who answer and talk 2 s (...4).
    numbers = [f"09055{n:05d}{'4' if n % 3 == 0 else '2'}" for n in range(1, 25)]
    store = MemoryStore([MemTarget(n, 12, [num]) for n, num in enumerate(numbers, 1)],
                        settings.classification)
    policy = Policy(mode=Mode.PREDICTIVE, abandon_cap=0.5, min_operators=1, min_samples=0,
                    min_window_calls=1, prior_bias=0.5)
    runner = make_runner(ami, store, operators, calendar, settings, Clock(OPEN))
    runner.open(Campaign(batch_id=12, debt_type="hoikuryo", ring_timeout_s=4, policy=policy))
    most_in_flight = 0
    async with running_runner(runner, operators):
        sync_task = asyncio.create_task(sync.run())
        for _ in range(200):
            most_in_flight = max(most_in_flight, len(runner.in_flight))
            if len([a for a in store.attempts.values() if a.result_code]) >= 12:
                break
            await asyncio.sleep(0.05)
        sync_task.cancel()
    assert most_in_flight > 2  # dialed ahead of its two operators
    unreserved = [a for a in store.attempts.values() if a.operator_id is None]
    assert unreserved
    talked = [a for a in unreserved if a.phase is Phase.WRAP_UP and a.result_code]
    assert talked  # unreserved answers reached a free operator through the queue
    assert all(a.result_code == "101" for a in talked)
    for abandoned in [a for a in store.attempts.values() if a.result_code == "S05"]:
        retry = await store.next_candidate(12, OPEN + timedelta(hours=1), frozenset())
        assert retry is None or retry.target_id != abandoned.target_id or retry.needs_operator


# --- no machine voice to residents (SPEC §14(8)) ----------------------------------------------
MACHINE_VOICE = {"Playback", "Background", "MusicOnHold", "StartMusicOnHold", "SayDigits",
                 "SayNumber", "SayAlpha", "Festival", "ControlPlayback", "Read"}


def resident_channels(events: list[ami_wire.Raw]) -> set[str]:
    """The called residents' channels: those that ran the outbound context after answering."""
    return {e["Channel"] for e in events
            if e.get("Event") == "Newexten" and e.get("Context") == "dialer-outbound"}


def machine_voice(events: list[ami_wire.Raw], channel: str) -> list[str]:
    """Everything on ``channel`` that could put a recording or hold music in a resident's ear:
    a playing dialplan application, or music on hold started by anything (a queue too)."""
    return [e.get("Application") or e.get("Event", "") for e in events
            if e.get("Channel") == channel and (
                (e.get("Event") == "Newexten" and e.get("Application") in MACHINE_VOICE)
                or e.get("Event") in {"MusicOnHoldStart", "Playback"})]


def drain(events: asyncio.Queue[ami_wire.Raw]) -> list[ami_wire.Raw]:
    return [events.get_nowait() for _ in range(events.qsize())]


async def test_an_answered_progressive_call_hears_nothing_before_its_operator(
    ami: AmiLink, settings: Settings, calendar: Calendar, operators: OperatorPool
) -> None:
    """The resident (answers, talks 2 s) is bridged to the reserved operator; nothing is
    played on the resident's channel before the bridge, nor after it."""
    tap = ami_wire.tap(ami)
    try:
        store = MemoryStore([MemTarget(1, 21, ["09021210004"])], settings.classification)
        runner = make_runner(ami, store, operators, calendar, settings, Clock(OPEN))
        runner.open(Campaign(batch_id=21, debt_type="hoikuryo", ring_timeout_s=5))
        async with running_runner(runner, operators):
            assert await until(lambda: any(a.result_code for a in store.attempts.values())
                               and not runner.in_flight, 20), store.attempts
        await asyncio.sleep(0.3)
        events = drain(tap)
    finally:
        ami_wire.untap(ami, tap)
    [record] = store.attempts.values()
    assert record.result_code == "101" and record.operator_id is not None
    [resident] = resident_channels(events)
    on_channel = [e for e in events if e.get("Channel") == resident]
    bridged = [i for i, e in enumerate(on_channel) if e.get("Event") == "BridgeEnter"]
    assert bridged, "the resident was bridged to the operator"
    before = on_channel[:bridged[0]]
    assert [e for e in before if e.get("Event") == "Newexten"], "the dialplan ran before it"
    assert machine_voice(before, resident) == []
    assert machine_voice(events, resident) == []
    assert any(e.get("Event") == "Hangup" for e in on_channel)


async def test_an_abandoned_predictive_call_is_silence_then_hangup(
    ami: AmiLink, settings: Settings, calendar: Calendar, operators: OperatorPool,
    sandbox_state: SandboxState,
) -> None:
    """Predictive calls answered while no seat can take them (every seat unavailable to the
    queue) wait two silent seconds and are hung up: abandoned (S05), never a recording."""
    await SeatSync(ami).reset(list(sandbox_state.seats))  # the queue can ring no seat
    numbers = [f"09031{n:05d}6" for n in range(1, 9)]  # answer and stay until hung up
    store = MemoryStore([MemTarget(n, 22, [num]) for n, num in enumerate(numbers, 1)],
                        settings.classification)
    policy = Policy(mode=Mode.PREDICTIVE, abandon_cap=0.5, min_operators=1, min_samples=0,
                    min_window_calls=1, prior_bias=0.5)
    tap = ami_wire.tap(ami)
    try:
        runner = make_runner(ami, store, operators, calendar, settings, Clock(OPEN))
        runner.open(Campaign(batch_id=22, debt_type="hoikuryo", ring_timeout_s=5,
                             policy=policy))
        async with running_runner(runner, operators):
            assert await until(lambda: any(a.result_code == "S05"
                                           for a in store.attempts.values()), 25)
            runner.close(22)
            assert await until(lambda: not runner.in_flight, 15)
        await asyncio.sleep(0.3)
        events = drain(tap)
    finally:
        ami_wire.untap(ami, tap)
    abandoned = {e["Channel"] for e in events if e.get("Event") == "UserEvent"
                 and e.get("UserEvent") == "DialerBridgeEnded" and e.get("Result") == "NOOPERATOR"}
    assert abandoned, "an answered call found no operator"
    assert abandoned <= resident_channels(events)
    for channel in resident_channels(events):
        assert machine_voice(events, channel) == [], channel
    for channel in abandoned:
        on_channel = [e for e in events if e.get("Channel") == channel]
        assert any(e.get("Event") == "Hangup" for e in on_channel), channel
        assert not any(e.get("Event") == "BridgeEnter" for e in on_channel), channel
