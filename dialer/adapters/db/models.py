"""The schema (SQLAlchemy 2 typed declarative); alembic migrations in ``migrations/`` create it.

Isolation by construction (SPEC §14(4)(5)): every personal datum hangs off a ``Target`` that
belongs to exactly one ``Batch`` (one import: one debt type × month), with ``ON DELETE CASCADE``
all the way down — deleting a batch deletes its targets, their numbers, debts and exclusions
(SQLite needs ``PRAGMA foreign_keys=ON``, set by the engine). There is no person table across
batches and nothing matches or merges targets across batches or debt types. Information the
calls collect will hang off the call, which hangs off the target, cascading the same way.

One module on purpose (about 400 lines): the whole schema in one place, read next to the
migrations; splitting it would scatter the cascades it promises.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("operator", "manager", "admin")
EXCLUSION_REASONS = ("paid", "dispute", "deceased", "moved", "division_stop", "other")
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """Console accounts (only those who need one); argon2 password hashes, lockout state."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change: Mapped[bool] = mapped_column(default=True)  # a temporary password was set
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Raised when the account is disabled or its password set or changed: every session opened
    # before (in any process) ends at its next check.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    password_set_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UserSkill(Base):
    """The debt types an operator is trained for (assignment by skill)."""

    __tablename__ = "user_skills"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    debt_type: Mapped[str] = mapped_column(String(32), primary_key=True)


class Batch(Base):
    """One import: one debt type × month, one source file (name + sha256)."""

    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    debt_type: Mapped[str] = mapped_column(String(32))
    month: Mapped[str] = mapped_column(String(7))
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))
    rows_imported: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    target_order: Mapped[str] = mapped_column(String(16), default="due")
    phone_order: Mapped[str] = mapped_column(String(16), default="file")


class Target(Base):
    """A person to call (架電先) within one batch; 管理番号 is unique within the batch only."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("batch_id", "ref"),
        # The campaign runner's next target: an index range per attempts count, never a scan
        # of the batch (dialer/adapters/db/attempts.py, migration 0008).
        Index("ix_targets_due", "batch_id", "done", "attempts", "next_due_at"),
        # The caller search (dialer.adapters.db.callers): a prefix of the folded name or kana
        # within one batch is an index range (migration 0013).
        Index("ix_targets_name_key", "batch_id", "name_key"),
        Index("ix_targets_kana_key", "batch_id", "kana_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    kana: Mapped[str | None] = mapped_column(String(100))
    name_key: Mapped[str | None] = mapped_column(String(100))  # dialer.domain.kana.fold(name)
    kana_key: Mapped[str | None] = mapped_column(String(100))  # fold(kana)
    source_row: Mapped[int]
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The retry plan (dialer.domain.retry), rewritten after every attempt's result.
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    phone_index: Mapped[int] = mapped_column(default=0)  # which of its numbers to call next
    done: Mapped[bool] = mapped_column(default=False)


class TargetPhone(Base):
    """A target's numbers, canonical form, ``position`` = order in the file (columns, rows).
    A number the resident gave on a call comes after the file's, with the day it was given
    (``given_at``; None: from the loaned data)."""

    __tablename__ = "target_phones"
    __table_args__ = (UniqueConstraint("target_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]
    given_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Debt(Base):
    """One row of the file: 年度, 期別, 納期限, 金額 (a target may have several)."""

    __tablename__ = "debts"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"),
                                           index=True)
    source_row: Mapped[int]
    fiscal_year: Mapped[int | None]
    installment: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[int | None] = mapped_column(BigInteger)


class Exclusion(Base):
    """Do not call this target again (the city's stop list or a manager's entry)."""

    __tablename__ = "exclusions"
    __table_args__ = (
        UniqueConstraint("target_id", "reason"),
        CheckConstraint(f"reason IN {EXCLUSION_REASONS}", name="reason"),
        CheckConstraint("source IN ('file', 'manual')", name="source"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """Append-only (triggers refuse UPDATE and DELETE); never holds personal data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")  # the chain: sha256 hex
    hash: Mapped[str] = mapped_column(String(64), default="")


class Attempt(Base):
    """One call to (or, later, from) a target. Written before its Originate; ``id`` is the
    Asterisk ChannelId. Cascades with its target, so erasing a batch erases its calls."""

    __tablename__ = "attempts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"),
                                          index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"),
                                           index=True)
    phone_index: Mapped[int] = mapped_column(default=0)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    phase: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    dialed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result_code: Mapped[str | None] = mapped_column(String(8), index=True)
    result_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    appointment_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    direction: Mapped[str] = mapped_column(String(3), default="out")  # "in": a callback
    # The dialer process that placed it ([database] instance): after a restart each one takes
    # back its own calls only, when several share the database. None: written before 0009.
    instance: Mapped[str | None] = mapped_column(String(64))
    # Where the result was made: "dialer" (this system) or "paper" (the paper fallback, SPEC
    # §9(6), entered afterwards by ``dialer results import``; migration 0012).
    source: Mapped[str] = mapped_column(String(8), default="dialer", server_default="dialer")


class InboundCallRecord(Base):
    """A call to the dedicated number, as it went through the IVR (the caller's number is not
    stored: the figures the city sees need none). A caller whose identity could not be
    confirmed keeps the operator's note here, and the number and time they asked to be called
    back on, if any (``callback_number``, ``callback_at``)."""

    __tablename__ = "inbound_calls"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Asterisk Uniqueid
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    gate_state: Mapped[str] = mapped_column(String(16), default="")
    fallback: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(String(32), default="")
    position: Mapped[int | None]
    wait_s: Mapped[float | None] = mapped_column(Float)
    operator_seat: Mapped[str] = mapped_column(String(32), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end: Mapped[str] = mapped_column(String(16))
    result_code: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    callback_number: Mapped[str | None] = mapped_column(String(16))
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    noted_by: Mapped[str | None] = mapped_column(String(64))  # the operator's login


class CallNote(Base):
    """What the operator wrote about one call (per guidance call, SPEC §14(5)): the note, and
    whether it is an escalation, a complaint, a resident's voice for the reports, and the
    account-transfer recommendation's answer. Cascades with its call and target."""

    __tablename__ = "call_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"),
                                            index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"),
                                          index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    result_code: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    escalation: Mapped[bool] = mapped_column(default=False)
    complaint: Mapped[bool] = mapped_column(default=False)
    residents_voice: Mapped[bool] = mapped_column(default=False)
    account_transfer: Mapped[str] = mapped_column(String(16), default="")  # "" or a transfer answer


class Emergency(Base):
    """An operator or manager flagged a call as an emergency (the only reason a call may ever
    be recorded, see recordings_policy). ``call_id`` is the attempt id or the inbound Uniqueid."""

    __tablename__ = "emergencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    flagged_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(16))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[str] = mapped_column(String(16))


class Document(Base):
    """A version of a talk script, a Q&A set or the 業務マニュアル (per debt type or for all). A
    draft until a manager records the city's approval; operators only ever see the newest
    approved version. Every version is kept."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("kind", "scope", "version"),
                      CheckConstraint("kind IN ('script', 'qa', 'manual')", name="kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(32))  # a debt type code, or "*" for all
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # script text; for Q&A the entries are below
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(100))  # the city's approver
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approval_ref: Mapped[str | None] = mapped_column(String(100))  # the city's reference
    recorded_by: Mapped[str | None] = mapped_column(String(64))  # the manager who entered it


class QaEntry(Base):
    """One question and its answer in a Q&A document version."""

    __tablename__ = "qa_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int]
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)


SUSPENSION_SCOPES = ("outbound", "debt_type", "callbacks", "data")


class SuspensionOrder(Base):
    """The city's order to halt some operations (§14(11)ウ, ``dialer.domain.suspension``): in
    force from its recording until a manager records the release; kept after that."""

    __tablename__ = "suspension_orders"
    __table_args__ = (CheckConstraint(f"scope IN {SUSPENSION_SCOPES}", name="scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    debt_type: Mapped[str | None] = mapped_column(String(32))  # the debt_type scope only
    reason: Mapped[str] = mapped_column(Text)
    city_ref: Mapped[str] = mapped_column(String(100))  # the city's document / instruction
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    release_ref: Mapped[str | None] = mapped_column(String(100))


CAMPAIGN_STATES = ("open", "closed")
CAMPAIGN_MODES = ("progressive", "predictive")


class CampaignRow(Base):
    """A batch's outbound campaign as a manager left it (``dialer.services.calls.campaigns``): every
    running service dials the open ones. ``version`` grows with every open and close, so the
    services' poll sees a change without reading the rest. Erasing the batch deletes it."""

    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint(f"state IN {CAMPAIGN_STATES}", name="state"),
                      CheckConstraint(f"mode IN {CAMPAIGN_MODES}", name="mode"))
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"),
                                          unique=True)
    state: Mapped[str] = mapped_column(String(8))
    ring_timeout_s: Mapped[float] = mapped_column(Float)
    mode: Mapped[str] = mapped_column(String(16))
    abandon_cap: Mapped[float] = mapped_column(Float)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(default=1)


RECORDING_STATES = ("recording", "stored", "failed", "erased")


class Recording(Base):
    """An emergency recording (``recordings_policy``): started only by an emergency flag,
    encrypted in the recordings store as ``<file_id>.rec`` (a random id: no personal data in the
    name), reported to the city when it ends. The row stays after erasure as its record."""

    __tablename__ = "recordings"
    __table_args__ = (CheckConstraint(f"state IN {RECORDING_STATES}", name="state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[str] = mapped_column(String(32), unique=True)
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergencies.id"), index=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)
    stopped_by: Mapped[str] = mapped_column(String(64), default="")  # "": the call ended
    size: Mapped[int] = mapped_column(BigInteger, default=0)  # plain bytes (WAV)
    key_id: Mapped[str] = mapped_column(String(16), default="")  # the recordings key's id
    # The recording's own data key, wrapped under the recordings key (hex); its only copy.
    # Emptied when the recording is erased: every copy of the sealed file is then unreadable.
    wrapped_key: Mapped[str] = mapped_column(String(160), default="")
    failure: Mapped[str] = mapped_column(String(200), default="")
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RecordingErasure(Base):
    """The record that a recording's file was destroyed: when, by whom (a manager, or
    "retention"), why, and the city's instruction reference."""

    __tablename__ = "recording_erasures"
    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    erased_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # "instruction" or "retention"
    reference: Mapped[str] = mapped_column(String(100), default="")
