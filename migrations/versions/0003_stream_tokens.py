"""Stream tokens in the shared database: one row per CallSid, issued once, spent once.

Revision ID: 0003_stream_tokens
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_stream_tokens"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_tokens",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("keep_until", sa.BigInteger(), nullable=False),
        sa.Column("spent_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_stream_tokens")),
    )
    op.create_index("ix_stream_tokens_keep_until", "stream_tokens", ["keep_until"])


def downgrade() -> None:
    op.drop_index("ix_stream_tokens_keep_until", table_name="stream_tokens")
    op.drop_table("stream_tokens")
