"""The console: users, sessions, failed sign-ins, reading overrides, who loaded a file, follow-ups.

Revision ID: 0007_console
Revises: 0006_ident_limits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007_console"
down_revision: str | None = "0006_ident_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("name", name=op.f("uq_console_users_name")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["console_users.id"], name=op.f("fk_console_sessions_user_id_console_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
    )
    op.create_index(op.f("ix_console_sessions_user_id"), "console_sessions", ["user_id"])
    op.create_table(
        "console_login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_login_failures")),
    )
    op.create_index("ix_console_login_failures_key_at", "console_login_failures", ["key", "at"])
    op.create_table(
        "reading_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=800), nullable=False),
        sa.Column("reading", sa.String(length=800), nullable=False),
        sa.Column("previous_reading", sa.String(length=800), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reverted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reverted_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_overrides")),
    )
    op.create_index("ix_reading_overrides_kind_text", "reading_overrides", ["kind", "text"])
    with op.batch_alter_table("load_log") as batch:
        batch.add_column(sa.Column("loaded_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("follow_up_reason", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("follow_up_cleared_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("follow_up_cleared_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("follow_up_cleared_by")
        batch.drop_column("follow_up_cleared_at")
        batch.drop_column("follow_up_reason")
    with op.batch_alter_table("load_log") as batch:
        batch.drop_column("loaded_by")
    op.drop_index("ix_reading_overrides_kind_text", table_name="reading_overrides")
    op.drop_table("reading_overrides")
    op.drop_index("ix_console_login_failures_key_at", table_name="console_login_failures")
    op.drop_table("console_login_failures")
    op.drop_index(op.f("ix_console_sessions_user_id"), table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_table("console_users")
