"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 19:01:43.618920
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import aggregator.models

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "content_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_type", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seen_from", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_revision", schema=None) as batch_op:
        batch_op.create_index("ix_revision_item", ["item_type", "item_id"], unique=False)

    op.create_table(
        "post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_upstream_at", aggregator.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("comment_count", sa.Integer(), nullable=True),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("fetched_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_seen_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_seen_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hidden_upstream", sa.Boolean(), nullable=False),
        sa.Column(
            "deleted_upstream_at", aggregator.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id", name="uq_post_platform_external_id"),
    )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.create_index("ix_post_account_created", ["account_id", "created_at"], unique=False)

    op.create_table(
        "sync_cursor",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("stream", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "value",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("account_id", "stream"),
    )
    op.create_table(
        "sync_lock",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("acquired_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("started_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", aggregator.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("posts_new", sa.Integer(), nullable=False),
        sa.Column("posts_updated", sa.Integer(), nullable=False),
        sa.Column("posts_unchanged", sa.Integer(), nullable=False),
        sa.Column("comments_new", sa.Integer(), nullable=False),
        sa.Column("comments_updated", sa.Integer(), nullable=False),
        sa.Column("comments_unchanged", sa.Integer(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column(
            "warnings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_run_account_started", ["account_id", "started_at"], unique=False
        )

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("post_external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column(
            "parent_external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True
        ),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("author_handle", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("permalink", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("fetched_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_seen_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_seen_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hidden_upstream", sa.Boolean(), nullable=False),
        sa.Column(
            "deleted_upstream_at", aggregator.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("by_account_owner", sa.Boolean(), nullable=False),
        sa.Column("manual_entry", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["post.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "external_id", name="uq_comment_platform_external_id"),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_account_created", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_comment_created", ["created_at"], unique=False)
        batch_op.create_index("ix_comment_parent", ["platform", "parent_external_id"], unique=False)
        batch_op.create_index("ix_comment_post", ["post_id"], unique=False)
        batch_op.create_index(
            "ix_comment_post_external", ["platform", "post_external_id"], unique=False
        )

    op.create_table(
        "review",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("assignee", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("deadline", aggregator.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
        ),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_status"), ["status"], unique=False)

    op.create_table(
        "review_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_note_comment_id"), ["comment_id"], unique=False)

    op.create_table(
        "review_tag",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
        ),
        sa.PrimaryKeyConstraint("comment_id", "tag"),
    )


def downgrade() -> None:
    op.drop_table("review_tag")
    with op.batch_alter_table("review_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_note_comment_id"))

    op.drop_table("review_note")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_status"))
        batch_op.drop_index(batch_op.f("ix_review_department"))

    op.drop_table("review")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_post_external")
        batch_op.drop_index("ix_comment_post")
        batch_op.drop_index("ix_comment_parent")
        batch_op.drop_index("ix_comment_created")
        batch_op.drop_index("ix_comment_account_created")

    op.drop_table("comment")
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_run_account_started")

    op.drop_table("sync_run")
    op.drop_table("sync_lock")
    op.drop_table("sync_cursor")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index("ix_post_account_created")

    op.drop_table("post")
    with op.batch_alter_table("content_revision", schema=None) as batch_op:
        batch_op.drop_index("ix_revision_item")

    op.drop_table("content_revision")
    op.drop_table("account")
