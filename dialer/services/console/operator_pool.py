"""The operators logged in right now, keyed by user id; every change goes through the domain's
transitions (dialer.domain.operators) so an impossible move raises instead of corrupting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from dialer.domain import operators
from dialer.domain.operators import Operator, SeatState

Listener = Callable[[Operator], None]


class OperatorPool:
    def __init__(self) -> None:
        self._operators: dict[int, Operator] = {}
        self._listeners: list[Listener] = []

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _set(self, op: Operator) -> Operator:
        self._operators[op.user_id] = op
        for listener in self._listeners:
            listener(op)
        return op

    def add(self, user_id: int, login: str, seat: str,
            skills: frozenset[str] = frozenset()) -> Operator:
        """The operator (known already, or new, offline), with the skills read at login."""
        known = self._operators.get(user_id)
        return self._set(replace(known, skills=skills) if known is not None
                         else Operator(user_id, login, seat, skills=skills))

    def get(self, user_id: int) -> Operator:
        return self._operators[user_id]

    def all(self) -> list[Operator]:
        return list(self._operators.values())

    def ready(self) -> list[Operator]:
        """Ready operators, the longest-waiting first (fair distribution of calls)."""
        ready = [op for op in self._operators.values() if op.state is SeatState.READY]
        return sorted(ready, key=lambda op: op.since or datetime.min)

    def count(self, state: SeatState) -> int:
        return sum(1 for op in self._operators.values() if op.state is state)

    def by_attempt(self, attempt_id: str) -> Operator | None:
        return next((op for op in self._operators.values() if op.attempt_id == attempt_id),
                    None)

    def connect(self, user_id: int, channel: str, now: datetime) -> Operator:
        return self._set(operators.connect(self.get(user_id), channel, now))

    def reserve(self, user_id: int, attempt_id: str, now: datetime) -> Operator:
        return self._set(operators.reserve(self.get(user_id), attempt_id, now))

    def bridged(self, attempt_id: str, now: datetime) -> Operator | None:
        op = self.by_attempt(attempt_id)
        return self._set(operators.bridged(op, now)) if op else None

    def took_call(self, seat: str, attempt_id: str, now: datetime) -> Operator | None:
        op = next((o for o in self._operators.values() if o.seat == seat), None)
        if op is None or op.state is not SeatState.READY:
            return None
        return self._set(operators.took_call(op, attempt_id, now))

    def release(self, attempt_id: str, now: datetime) -> Operator | None:
        op = self.by_attempt(attempt_id)
        return self._set(operators.release(op, now)) if op else None

    def talk_ended(self, attempt_id: str, now: datetime) -> Operator | None:
        op = self.by_attempt(attempt_id)
        return self._set(operators.talk_ended(op, now)) if op else None

    def result_saved(self, user_id: int, now: datetime) -> Operator:
        return self._set(operators.result_saved(self.get(user_id), now))

    def pause(self, user_id: int, reason: str, now: datetime) -> Operator:
        return self._set(operators.pause(self.get(user_id), reason, now))

    def resume(self, user_id: int, now: datetime) -> Operator:
        return self._set(operators.resume(self.get(user_id), now))

    def disconnect(self, user_id: int, now: datetime) -> Operator:
        return self._set(operators.disconnect(self.get(user_id), now))

    def phone_lost(self, user_id: int, notice: str, now: datetime) -> Operator:
        return self._set(operators.phone_lost(self.get(user_id), notice, now))

    def by_channel(self, channel: str) -> Operator | None:
        return next((op for op in self._operators.values() if op.channel == channel), None)

    def by_seat(self, seat: str) -> Operator | None:
        return next((op for op in self._operators.values() if op.seat == seat), None)
