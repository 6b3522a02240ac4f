"""health and scheduler lease

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 19:35:58.459112
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import aggregator.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("acquired_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "account_health",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("since", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", aggregator.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("account_health")
    op.drop_table("service_lease")
