"""report streaming: closed months' rows one per line, and analysed comment topics

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 03:50:00

Snapshots made before this kept their rows inside the payload; they are split into
`report_snapshot_row` here (the same JSON per row), and merged back on downgrade.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import aggregator.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNAPSHOT = sa.table("report_snapshot", sa.column("month"), sa.column("payload"))
SNAPSHOT_ROW = sa.table(
    "report_snapshot_row",
    sa.column("month"), sa.column("seq"), sa.column("comment_id"), sa.column("payload"),
)  # fmt: skip


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def upgrade() -> None:
    op.create_table(
        "report_snapshot_row",
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["month"], ["report_snapshot.month"]),
        sa.PrimaryKeyConstraint("month", "seq"),
    )
    op.create_index(
        op.f("ix_report_snapshot_row_comment_id"),
        "report_snapshot_row",
        ["comment_id"],
        unique=False,
    )
    op.create_table(
        "comment_topic",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("nouns", sa.Text(), nullable=False),
        sa.Column("analyzed_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"]),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    _split_snapshot_rows()


def _split_snapshot_rows() -> None:
    conn = op.get_bind()
    for month, payload in conn.execute(sa.select(SNAPSHOT.c.month, SNAPSHOT.c.payload)).all():
        body = json.loads(payload)
        rows = body.pop("rows", [])
        if rows:
            conn.execute(
                sa.insert(SNAPSHOT_ROW),
                [
                    {"month": month, "seq": seq, "comment_id": int(row["id"]),
                     "payload": _dumps(row)}
                    for seq, row in enumerate(rows)
                ],
            )  # fmt: skip
        conn.execute(
            sa.update(SNAPSHOT).where(SNAPSHOT.c.month == month).values(payload=_dumps(body))
        )


def _merge_snapshot_rows() -> None:
    conn = op.get_bind()
    for month, payload in conn.execute(sa.select(SNAPSHOT.c.month, SNAPSHOT.c.payload)).all():
        query = (
            sa.select(SNAPSHOT_ROW.c.payload)
            .where(SNAPSHOT_ROW.c.month == month)
            .order_by(SNAPSHOT_ROW.c.seq)
        )
        body = json.loads(payload)
        body["rows"] = [json.loads(text) for text in conn.execute(query).scalars()]
        conn.execute(
            sa.update(SNAPSHOT).where(SNAPSHOT.c.month == month).values(payload=_dumps(body))
        )


def downgrade() -> None:
    _merge_snapshot_rows()
    op.drop_table("comment_topic")
    op.drop_index(op.f("ix_report_snapshot_row_comment_id"), table_name="report_snapshot_row")
    op.drop_table("report_snapshot_row")
