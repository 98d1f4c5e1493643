"""The console's calls page and dashboard select a day's calls by when they started.

Revision ID: 0008_call_console
Revises: 0007_console
"""

from __future__ import annotations

from alembic import op

revision: str = "0008_call_console"
down_revision: str | None = "0007_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calls_started_at", "calls", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_started_at", table_name="calls")
