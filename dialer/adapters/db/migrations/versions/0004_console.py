"""console: passwords and lockout, the audit hash chain, call notes, emergencies, scripts/Q&A

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete=ondelete,
                         name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        batch.add_column(sa.Column("must_change", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("locked_until", AT, nullable=True))
        batch.add_column(sa.Column("last_login_at", AT, nullable=True))
    # plain ADD COLUMN: the append-only triggers stay in place
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.add_column("audit_log", sa.Column("hash", sa.String(64), nullable=False,
                                         server_default=""))
    op.add_column("attempts", sa.Column("direction", sa.String(3), nullable=False,
                                        server_default="out"))
    op.create_table(
        "call_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attempt_id", sa.String(64), _fk("call_notes", "attempt_id", "attempts",
                                                   "CASCADE"), nullable=False),
        sa.Column("batch_id", sa.Integer(), _fk("call_notes", "batch_id", "batches", "CASCADE"),
                  nullable=False),
        sa.Column("target_id", sa.Integer(), _fk("call_notes", "target_id", "targets",
                                                 "CASCADE"), nullable=False),
        sa.Column("author_id", sa.Integer(), _fk("call_notes", "author_id", "users", "SET NULL"),
                  nullable=True),
        sa.Column("at", AT, nullable=False),
        sa.Column("result_code", sa.String(8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("escalation", sa.Boolean(), nullable=False),
        sa.Column("complaint", sa.Boolean(), nullable=False),
        sa.Column("residents_voice", sa.Boolean(), nullable=False),
        sa.Column("account_transfer", sa.String(16), nullable=False),
    )
    for column in ("attempt_id", "batch_id", "target_id"):
        op.create_index(f"ix_call_notes_{column}", "call_notes", [column])
    op.create_table(
        "emergencies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("flagged_by", sa.String(64), nullable=False),
        sa.Column("at", AT, nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("consent", sa.String(16), nullable=False),
    )
    op.create_index("ix_emergencies_call_id", "emergencies", ["call_id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("approved_at", AT, nullable=True),
        sa.Column("approval_ref", sa.String(100), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("kind", "scope", "version",
                            name="uq_documents_kind_scope_version"),
        sa.CheckConstraint("kind IN ('script', 'qa')", name="ck_documents_kind"),
    )
    op.create_table(
        "qa_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), _fk("qa_entries", "document_id", "documents",
                                                   "CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
    )
    op.create_index("ix_qa_entries_document_id", "qa_entries", ["document_id"])
    _chain_existing_audit_rows()


AUDIT_NO_UPDATE_SQLITE = """
CREATE TRIGGER audit_log_no_UPDATE BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
"""


def _chain_existing_audit_rows() -> None:
    """Rows written before the chain get their prev_hash and hash, in id order: the unkeyed
    links of the time (the key came later: ``dialer audit rekey`` re-chains them under it)."""
    from dialer.adapters.db.audit import GENESIS, unkeyed_hash
    from dialer.adapters.db.models import UtcDateTime

    log = sa.table("audit_log", sa.column("id", sa.Integer()), sa.column("at", UtcDateTime()),
                   sa.column("actor", sa.String()), sa.column("action", sa.String()),
                   sa.column("object", sa.String()), sa.column("detail", sa.Text()),
                   sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(log.c.id, log.c.at, log.c.actor, log.c.action, log.c.object,
                                  log.c.detail).order_by(log.c.id)).all()
    if not rows:
        return
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER audit_log_no_UPDATE")
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    prev_hash = GENESIS
    for row_id, at, actor, action, obj, detail in rows:
        digest = unkeyed_hash(prev_hash, at, actor, action, obj, detail)
        bind.execute(log.update().where(log.c.id == row_id).values(prev_hash=prev_hash,
                                                                   hash=digest))
        prev_hash = digest
    if sqlite:
        op.execute(AUDIT_NO_UPDATE_SQLITE)
    else:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def downgrade() -> None:
    op.drop_table("qa_entries")
    op.drop_table("documents")
    op.drop_table("emergencies")
    op.drop_table("call_notes")
    op.drop_column("attempts", "direction")
    op.drop_column("audit_log", "hash")
    op.drop_column("audit_log", "prev_hash")
    with op.batch_alter_table("users") as batch:
        for column in ("last_login_at", "locked_until", "failed_logins", "must_change",
                       "password_hash"):
            batch.drop_column(column)
