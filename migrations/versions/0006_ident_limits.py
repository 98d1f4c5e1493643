"""Identification attempts and the limits they trip, across calls and instances.

Revision ID: 0006_ident_limits
Revises: 0005_aftercall
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_ident_limits"
down_revision: str | None = "0005_aftercall"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ident_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=8), nullable=True),
        sa.Column("caller_key", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("forgiven", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ident_attempts")),
    )
    op.create_index("ix_ident_attempts_serial_at", "ident_attempts", ["serial", "at"])
    op.create_index("ix_ident_attempts_caller_key_at", "ident_attempts", ["caller_key", "at"])
    op.create_index("ix_ident_attempts_call_sid", "ident_attempts", ["call_sid"])
    op.create_table(
        "ident_lockouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("tripped_at", sa.BigInteger(), nullable=False),
        sa.Column("until_at", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ident_lockouts")),
    )
    op.create_index("ix_ident_lockouts_tripped_at", "ident_lockouts", ["tripped_at"])


def downgrade() -> None:
    op.drop_index("ix_ident_lockouts_tripped_at", table_name="ident_lockouts")
    op.drop_table("ident_lockouts")
    op.drop_index("ix_ident_attempts_call_sid", table_name="ident_attempts")
    op.drop_index("ix_ident_attempts_caller_key_at", table_name="ident_attempts")
    op.drop_index("ix_ident_attempts_serial_at", table_name="ident_attempts")
    op.drop_table("ident_attempts")
