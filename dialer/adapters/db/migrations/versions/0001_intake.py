"""intake: batches, targets, phones, debts, exclusions, users, audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)
APPEND_ONLY_SQLITE = """
CREATE TRIGGER audit_log_no_{verb} BEFORE {verb} ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
"""
# One statement per execute: asyncpg runs each as a prepared statement, which holds only one.
APPEND_ONLY_PG = (
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
)


def upgrade() -> None:
    _users()
    _batches()
    _targets()
    _children()
    _audit_log()


def _users() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.CheckConstraint("role IN ('operator', 'manager', 'admin')", name=op.f("ck_users_role")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_table(
        "user_skills",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey(
            "users.id", ondelete="CASCADE", name=op.f("fk_user_skills_user_id_users")),
            primary_key=True),
        sa.Column("debt_type", sa.String(32), primary_key=True),
    )


def _batches() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("debt_type", sa.String(32), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("imported_at", AT, nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("target_order", sa.String(16), nullable=False),
        sa.Column("phone_order", sa.String(16), nullable=False),
    )
    op.create_index(op.f("ix_batches_sha256"), "batches", ["sha256"])


def _targets() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey(
            "batches.id", ondelete="CASCADE", name=op.f("fk_targets_batch_id_batches")),
            nullable=False),
        sa.Column("ref", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kana", sa.String(100), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", AT, nullable=True),
        sa.Column("assigned_to", sa.Integer(), sa.ForeignKey(
            "users.id", ondelete="SET NULL", name=op.f("fk_targets_assigned_to_users")),
            nullable=True),
        sa.Column("assigned_at", AT, nullable=True),
        sa.UniqueConstraint("batch_id", "ref", name=op.f("uq_targets_batch_id_ref")),
    )
    op.create_index(op.f("ix_targets_assigned_to"), "targets", ["assigned_to"])


def _target_fk(table: str) -> sa.Column[int]:
    return sa.Column("target_id", sa.Integer(), sa.ForeignKey(
        "targets.id", ondelete="CASCADE", name=op.f(f"fk_{table}_target_id_targets")),
        nullable=False)


def _children() -> None:
    op.create_table(
        "target_phones",
        sa.Column("id", sa.Integer(), primary_key=True),
        _target_fk("target_phones"),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("target_id", "number",
                            name=op.f("uq_target_phones_target_id_number")),
    )
    op.create_table(
        "debts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _target_fk("debts"),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
        sa.Column("installment", sa.String(100), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
    )
    op.create_index(op.f("ix_debts_target_id"), "debts", ["target_id"])
    op.create_table(
        "exclusions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _target_fk("exclusions"),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.CheckConstraint(
            "reason IN ('paid', 'dispute', 'deceased', 'moved', 'division_stop', 'other')",
            name=op.f("ck_exclusions_reason")),
        sa.CheckConstraint("source IN ('file', 'manual')", name=op.f("ck_exclusions_source")),
        sa.UniqueConstraint("target_id", "reason", name=op.f("uq_exclusions_target_id_reason")),
    )


def _audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", AT, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(APPEND_ONLY_SQLITE.format(verb=verb))
    else:
        for statement in APPEND_ONLY_PG:
            op.execute(statement)


def downgrade() -> None:
    for table in ("audit_log", "exclusions", "debts", "target_phones", "targets", "batches",
                  "user_skills", "users"):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
