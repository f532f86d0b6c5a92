"""A task that swallows its cancellation must not hang the service's stop (the CI hang of
2026-12-07: ``seat-sync`` was cancelled just as ``asyncio.wait_for`` in
``AmiLink.wait_connected`` completed; Python 3.11's ``wait_for`` then returned the result,
the loop went back to its queue, and ``Service.stop`` waited for ever)."""

from __future__ import annotations

import asyncio

from dialer.adapters.ami import AmiLink
from dialer.config import load
from dialer.services.runtime.tasks import cancel_all


async def test_a_task_that_swallows_its_first_cancellation_is_cancelled_again() -> None:
    swallowed = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            swallowed.set()  # as wait_for did: the cancellation is lost
        await asyncio.Event().wait()  # back to waiting, for ever

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await cancel_all([task], recancel_s=0.05)
    assert swallowed.is_set() and task.cancelled()


async def test_cancel_all_still_raises_a_task_s_own_error() -> None:
    async def failing() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RuntimeError("cleanup failed") from None

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    try:
        await cancel_all([task])
    except RuntimeError as exc:
        assert str(exc) == "cleanup failed"
    else:
        raise AssertionError("the task's error was not raised")


async def test_a_cancellation_that_meets_a_completed_wait_is_not_lost() -> None:
    """The race itself: the event is set and the waiting task cancelled in the same turn of
    the loop. The service's waits (``asyncio.timeout``) keep the cancellation."""
    link = AmiLink(load(None).ami)
    waiter = asyncio.create_task(link.wait_connected(timeout_s=30))
    await asyncio.sleep(0)
    link._logged_in.set()
    waiter.cancel()
    await asyncio.wait([waiter], timeout=1)
    assert waiter.cancelled()
