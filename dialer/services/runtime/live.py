"""Live pushes to the web console: JSON messages by topic, one bounded queue per subscriber.

Topics: ``operator:<user id>`` (that operator's console: state, screen-pops) and ``board``
(the supervisor boards). Publishing never waits: a subscriber that stops reading loses its
oldest messages (and is told so), never the service's time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Message = dict[str, Any]
QUEUE_SIZE = 100
BOARD = "board"


OPERATOR_TOPICS = "operator:"


def operator_topic(user_id: int) -> str:
    return f"{OPERATOR_TOPICS}{user_id}"


class LiveHub:
    def __init__(self) -> None:
        self._topics: dict[str, set[asyncio.Queue[Message]]] = {}
        self.dropped = 0

    @contextmanager
    def subscription(self, topic: str) -> Iterator[asyncio.Queue[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self._topics.setdefault(topic, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._topics.get(topic, set())
            subscribers.discard(queue)
            if not subscribers:
                self._topics.pop(topic, None)

    def publish(self, topic: str, message: Message) -> int:
        subscribers = self._topics.get(topic, ())
        for queue in subscribers:
            if queue.full():
                queue.get_nowait()
                self.dropped += 1
            queue.put_nowait(message)
        return len(subscribers)

    def topics(self, prefix: str = "") -> list[str]:
        """The topics someone subscribes to now (those starting with ``prefix``)."""
        return [t for t in self._topics if t.startswith(prefix)]

    def count(self, topic: str | None = None) -> int:
        if topic is None:
            return sum(len(s) for s in self._topics.values())
        return len(self._topics.get(topic, ()))
