"""After the call: the job table for summaries and SMS, and the drivers' SMS opt-out.

Revision ID: 0005_aftercall
Revises: 0003_stream_tokens (re-chained after the console's 0004 when that lands)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_aftercall"
down_revision: str | None = "0003_stream_tokens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drivers") as batch:
        batch.add_column(sa.Column("sms_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "aftercall_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE",
                                                          name="fk_aftercall_jobs_call_id_calls"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("result_text", sa.Text(), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("delivery_status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_aftercall_jobs"),
        sa.UniqueConstraint("call_id", "kind", name="uq_aftercall_jobs_call_kind"),
    )
    op.create_index("ix_aftercall_jobs_due", "aftercall_jobs", ["state", "next_attempt_at"])
    op.create_index("ix_aftercall_jobs_external_id", "aftercall_jobs", ["external_id"])


def downgrade() -> None:
    op.drop_index("ix_aftercall_jobs_external_id", table_name="aftercall_jobs")
    op.drop_index("ix_aftercall_jobs_due", table_name="aftercall_jobs")
    op.drop_table("aftercall_jobs")
    with op.batch_alter_table("drivers") as batch:
        batch.drop_column("sms_opt_out")
