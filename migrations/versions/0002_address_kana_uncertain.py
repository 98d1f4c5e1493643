"""Stops: mark an address reading that did not come from Japan Post's data.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stops") as batch:
        batch.add_column(sa.Column("address_kana_uncertain", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("stops") as batch:
        batch.drop_column("address_kana_uncertain")
