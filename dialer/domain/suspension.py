"""The city's suspension orders (SPEC "Suspension order", §14(11)ウ): what is halted, from the
orders a manager recorded, until a manager records their release.

Pure: orders in, decisions out. Rules, decided here once:

* An order names one scope (the city's order naming several operations is recorded as several
  orders with the same reference):

  ========== ==================================================================
  scope      what halts
  ========== ==================================================================
  outbound   every outbound call (no new dial for any debt type)
  debt_type  the outbound calls of one debt type (``debt_type`` names it)
  callbacks  callback handling: the dedicated number answers SUSPENDED (the
             dialplan plays the out-of-period message, one of the three agreed
             messages; no other recorded audio reaches residents)
  data       data imports and exports (loaned-data import, paper fallback lists,
             access-log CSV, report files)
  ========== ==================================================================

* An order is in force from the moment it is recorded until its release is recorded; there is
  no end date (the city decides when, not a calendar). Several orders may overlap: the union
  halts. Releasing one order never lifts another.
* A released order is kept (who recorded it, when, the city's reference, who released it).
* Calls already connected are not cut: a resident in conversation is not hung up on by a
  machine; no *new* call starts (see ``dialer.services.calls.runner``: checked on every tick and
  right before every Originate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dialer.domain.calendar import Suspension

MAX_REASON = 500
MAX_REF = 100


class Scope(StrEnum):
    OUTBOUND = "outbound"
    DEBT_TYPE = "debt_type"
    CALLBACKS = "callbacks"
    DATA = "data"


LABELS: Mapping[Scope, str] = {
    Scope.OUTBOUND: "架電（全債権）",
    Scope.DEBT_TYPE: "架電（債権別）",
    Scope.CALLBACKS: "折返し対応",
    Scope.DATA: "データの取込・出力",
}


class OrderError(ValueError):
    """An order that cannot be recorded (or released) as given; the message says why."""


@dataclass(frozen=True)
class Order:
    id: int
    scope: Scope
    debt_type: str | None
    reason: str
    city_ref: str
    recorded_by: str
    recorded_at: datetime
    released_by: str | None = None
    released_at: datetime | None = None
    release_ref: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True)
class Request:
    """What a manager enters for one scope; ``check`` turns it into a valid one or raises."""

    scope: Scope
    debt_type: str | None
    reason: str
    city_ref: str


def check(request: Request, known_debt_types: Iterable[str]) -> Request:
    """The request, trimmed, or OrderError: a reason and the city's reference are required; a
    debt type exactly for the debt_type scope, and one the centre knows."""
    reason = " ".join(request.reason.split())
    city_ref = " ".join(request.city_ref.split())
    if not reason:
        raise OrderError("reason: say what the city ordered (理由を入力してください)")
    if len(reason) > MAX_REASON:
        raise OrderError(f"reason: at most {MAX_REASON} characters")
    if not city_ref:
        raise OrderError("city reference: the city's document or instruction "
                         "(市の指示の文書番号等を入力してください)")
    if len(city_ref) > MAX_REF:
        raise OrderError(f"city reference: at most {MAX_REF} characters")
    debt_type = request.debt_type or None
    if request.scope is Scope.DEBT_TYPE:
        if debt_type is None or debt_type not in set(known_debt_types):
            raise OrderError(f"debt type: unknown {debt_type!r}")
    elif debt_type is not None:
        raise OrderError(f"a {request.scope} order names no debt type")
    return Request(request.scope, debt_type, reason, city_ref)


def effective(orders: Iterable[Order]) -> Suspension:
    """What the calendar and the gate must treat as halted, from the orders in force."""
    active = [o for o in orders if o.active]
    return Suspension(
        all_calling=any(o.scope is Scope.OUTBOUND for o in active),
        debt_types=frozenset(o.debt_type for o in active
                             if o.scope is Scope.DEBT_TYPE and o.debt_type),
        callbacks=any(o.scope is Scope.CALLBACKS for o in active))


def data_halted(orders: Iterable[Order]) -> bool:
    """Imports and exports are refused while a data order is in force."""
    return any(o.active and o.scope is Scope.DATA for o in orders)


def release(order: Order) -> None:
    """Raise OrderError unless ``order`` may be released now (it is in force)."""
    if not order.active:
        raise OrderError(f"order {order.id} was released already")


def label(order: Order, debt_names: Mapping[str, str]) -> str:
    """The scope in words, e.g. 架電（債権別）: 保育所等保育料."""
    text = LABELS[order.scope]
    if order.scope is Scope.DEBT_TYPE and order.debt_type:
        text += f": {debt_names.get(order.debt_type, order.debt_type)}"
    return text


def summary(suspension: Suspension, debt_names: Mapping[str, str]) -> list[str]:
    """What is halted, in words, for banners (no order details: operators need only this)."""
    lines = []
    if suspension.all_calling:
        lines.append("架電（全債権）")
    for code in sorted(suspension.debt_types):
        lines.append(f"架電: {debt_names.get(code, code)}")
    if suspension.callbacks:
        lines.append("折返し対応")
    return lines
