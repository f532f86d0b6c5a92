"""The city's call-result classification (架電結果分類表（共通）, SPEC §11(2)オ, §13(1)ウ).

Every call, outbound or inbound, ends with one result code from this table. The city's own table
is an attachment we do not have, so it is configuration (``[outcomes] table = FILE``) with the
default below. Per code: whether the resident was reached (接触, the contact rate counts these),
the escalation mark (★: the creditor division must act; ☆: reported for information), when to
try again, whether the target is finished, whether it is a payment promise (納付約束: the board
and the reports count these) and whether the account-transfer recommendation (口座振替の勧奨,
§12(1)ク) follows. A table without a promise code is refused: its promises would always be 0.

System outcomes (what Asterisk tells, before any operator speaks) map onto codes too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from dialer.domain.dial_outcome import DialOutcome


class Mark(StrEnum):
    NONE = ""
    ESCALATE = "★"  # the creditor division must act (installment request, assessment query…)
    REPORT = "☆"  # reported to the division for information


class Retry(StrEnum):
    NEVER = "never"  # the target is finished, or this number is
    LATER = "later"  # after ``retry_after_min`` minutes
    APPOINTMENT = "appointment"  # at the time the operator agreed with the resident
    NEXT_PHONE = "next_phone"  # this number is dead: try the target's next number


@dataclass(frozen=True)
class ResultCode:
    code: str
    label: str
    contact: bool = False
    mark: Mark = Mark.NONE
    retry: Retry = Retry.NEVER
    retry_after_min: int = 0
    ends_target: bool = False
    account_transfer: bool = False  # recommend account transfer after this result
    promise: bool = False  # a payment promise (納付約束): counted as one on the board and reports
    system: bool = False  # set by the dialer, never chosen by an operator

    @property
    def escalation(self) -> bool:
        return self.mark is not Mark.NONE


DEFAULT_TABLE: tuple[ResultCode, ...] = (
    ResultCode("S01", "話中", retry=Retry.LATER, retry_after_min=15, system=True),
    ResultCode("S02", "応答なし", retry=Retry.LATER, retry_after_min=120, system=True),
    ResultCode("S03", "不通・番号誤り", retry=Retry.NEXT_PHONE, system=True),
    ResultCode("S04", "回線混雑・発信失敗", retry=Retry.LATER, retry_after_min=30, system=True),
    ResultCode("S05", "放棄呼（オペレーター不在）", retry=Retry.LATER, retry_after_min=10,
               system=True),
    ResultCode("101", "納付約束", contact=True, ends_target=True, account_transfer=True,
               promise=True),
    ResultCode("102", "納付済の申出", contact=True, mark=Mark.REPORT, ends_target=True),
    ResultCode("103", "分納・納付相談", contact=True, mark=Mark.ESCALATE, ends_target=True),
    ResultCode("104", "賦課内容・制度の問合せ", contact=True, mark=Mark.ESCALATE,
               ends_target=True),
    ResultCode("105", "納付拒否", contact=True, mark=Mark.REPORT, ends_target=True),
    ResultCode("106", "再架電の約束", contact=True, retry=Retry.APPOINTMENT),
    ResultCode("107", "苦情", contact=True, mark=Mark.ESCALATE, ends_target=True),
    ResultCode("108", "死亡・転居等の申出", contact=True, mark=Mark.ESCALATE, ends_target=True),
    ResultCode("201", "本人不在（家族等応答）", retry=Retry.LATER, retry_after_min=24 * 60),
    ResultCode("202", "留守番電話", retry=Retry.LATER, retry_after_min=24 * 60),
    ResultCode("203", "番号違い（別人）", retry=Retry.NEXT_PHONE),
    ResultCode("204", "本人確認できず", retry=Retry.APPOINTMENT),
)

SYSTEM_OUTCOMES: dict[DialOutcome, str] = {
    DialOutcome.BUSY: "S01",
    DialOutcome.NO_ANSWER: "S02",
    DialOutcome.UNREACHABLE: "S03",
    DialOutcome.CONGESTION: "S04",
    DialOutcome.FAILED: "S04",
}
ABANDONED = "S05"


class UnknownResultCode(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown result code {code!r}")
        self.code = code


@dataclass(frozen=True)
class Classification:
    """A validated table: look codes up, list what an operator may choose."""

    codes: tuple[ResultCode, ...] = DEFAULT_TABLE

    def get(self, code: str) -> ResultCode:
        for result in self.codes:
            if result.code == code:
                return result
        raise UnknownResultCode(code)

    def operator_choices(self) -> tuple[ResultCode, ...]:
        return tuple(c for c in self.codes if not c.system)

    def for_system(self, outcome: DialOutcome) -> ResultCode:
        """The code recorded when Asterisk ends the attempt before any operator speaks."""
        return self.get(SYSTEM_OUTCOMES[outcome])

    def abandoned(self) -> ResultCode:
        return self.get(ABANDONED)

    def is_promise(self, code: str) -> bool:
        """Whether ``code`` is a payment promise (an unknown code, of an older table, never is)."""
        return any(c.code == code and c.promise for c in self.codes)


def validate(codes: Iterable[ResultCode]) -> list[str]:
    """Every problem with a table at once."""
    table = list(codes)
    problems = []
    seen = [c.code for c in table]
    problems += [f"code {c!r} given twice" for c in sorted(set(seen)) if seen.count(c) > 1]
    needed = {*SYSTEM_OUTCOMES.values(), ABANDONED}
    problems += [f"system code {c} is missing" for c in sorted(needed - set(seen))]
    for c in table:
        if c.retry is Retry.LATER and c.retry_after_min <= 0:
            problems.append(f"{c.code}: retry 'later' needs retry_after_min > 0")
        if c.ends_target and c.retry is not Retry.NEVER:
            problems.append(f"{c.code}: a code that ends the target cannot be retried")
        if c.system and c.contact:
            problems.append(f"{c.code}: a system code cannot be a contact")
        if c.promise and not c.contact:
            problems.append(f"{c.code}: a payment promise must be a contact (contact = true)")
        if not c.label.strip():
            problems.append(f"{c.code}: label is empty")
    if not any(c.contact for c in table):
        problems.append("no code counts as a contact: the contact rate would always be 0")
    if not any(c.promise for c in table):
        problems.append("no code is a payment promise (promise = true on 納付約束): "
                        "the promises would always be 0")
    return problems
