"""documents: the 業務マニュアル joins the talk script and the Q&A set as a managed kind

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("ck_documents_kind", type_="check")
        batch.create_check_constraint(op.f("ck_documents_kind"),
                                      "kind IN ('script', 'qa', 'manual')")


def downgrade() -> None:
    op.execute("DELETE FROM qa_entries WHERE document_id IN "
               "(SELECT id FROM documents WHERE kind = 'manual')")
    op.execute("DELETE FROM documents WHERE kind = 'manual'")
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("ck_documents_kind", type_="check")
        batch.create_check_constraint(op.f("ck_documents_kind"), "kind IN ('script', 'qa')")
