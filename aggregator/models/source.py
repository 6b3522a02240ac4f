"""Source data, written only by the sync engine (and hand entry): accounts, the
district's posts, comments, earlier texts, "check this post" items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from aggregator.models.types import json_column, utc_column


class Account(SQLModel, table=True):
    """An account the district publishes on (one per `accounts` entry in config)."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=63)
    platform: str = Field(max_length=20)
    display_name: str | None = None
    created_at: datetime = utc_column()


class Post(SQLModel, table=True):
    """One of the district's own posts."""

    __tablename__ = "post"
    __table_args__ = (
        sa.UniqueConstraint("platform", "external_id", name="uq_post_platform_external_id"),
        sa.Index("ix_post_account_created", "account_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=255)
    url: str | None = None
    title: str | None = None
    text: str = ""
    content_hash: str = Field(max_length=32)
    author_id: str | None = None
    author_name: str | None = None
    created_at: datetime = utc_column()
    updated_upstream_at: datetime | None = utc_column(nullable=True)
    comment_count: int | None = None
    metrics: dict[str, Any] = json_column()
    raw: dict[str, Any] = json_column()
    source_url: str | None = None
    fetched_at: datetime = utc_column()
    first_seen_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()
    content_seen_at: datetime = utc_column()
    """When the current text was first seen (earlier texts are in `content_revision`)."""
    hidden_upstream: bool = False
    deleted_upstream_at: datetime | None = utc_column(nullable=True)
    comments_readable: bool = True
    """False where the platform counts comments but never shows them (Pinterest)."""


class Comment(SQLModel, table=True):
    """A resident's comment, reply or mention, or the district's own reply."""

    __tablename__ = "comment"
    __table_args__ = (
        sa.UniqueConstraint("platform", "external_id", name="uq_comment_platform_external_id"),
        sa.Index("ix_comment_account_created", "account_id", "created_at"),
        sa.Index("ix_comment_created", "created_at", "id"),
        sa.Index("ix_comment_platform_created", "platform", "created_at", "id"),
        sa.Index("ix_comment_manual_created", "manual_entry", "created_at", "id"),
        sa.Index(
            "ix_comment_owner",
            "id",
            sqlite_where=sa.text("by_account_owner = 1"),
            postgresql_where=sa.text("by_account_owner"),
        ),
        sa.Index("ix_comment_post", "post_id"),
        sa.Index(
            "ix_comment_parent",
            "platform",
            "parent_external_id",
            sqlite_where=sa.text("parent_external_id IS NOT NULL"),
            postgresql_where=sa.text("parent_external_id IS NOT NULL"),
        ),
        sa.Index("ix_comment_post_external", "platform", "post_external_id"),
        sa.Index(
            "ix_comment_resident_created",
            "created_at",
            sqlite_where=sa.text("by_account_owner = 0"),
            postgresql_where=sa.text("NOT by_account_owner"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=255)
    kind: str = Field(max_length=20)
    post_id: int | None = Field(default=None, foreign_key="post.id")
    post_external_id: str | None = Field(default=None, max_length=255)
    parent_external_id: str | None = Field(default=None, max_length=255)
    author_id: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    text: str = ""
    content_hash: str = Field(max_length=32)
    created_at: datetime = utc_column()
    permalink: str | None = None
    metrics: dict[str, Any] = json_column()
    raw: dict[str, Any] = json_column()
    source_url: str | None = None
    fetched_at: datetime = utc_column()
    first_seen_at: datetime = utc_column()
    last_seen_at: datetime = utc_column()
    content_seen_at: datetime = utc_column()
    """When the current text was first seen (earlier texts are in `content_revision`)."""
    hidden_upstream: bool = False
    deleted_upstream_at: datetime | None = utc_column(nullable=True)
    by_account_owner: bool = False
    manual_entry: bool = False
    entered_by: str | None = None


class ContentRevision(SQLModel, table=True):
    """An earlier text of a post or comment, kept when an edit was seen upstream."""

    __tablename__ = "content_revision"
    __table_args__ = (sa.Index("ix_revision_item", "item_type", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_type: str = Field(max_length=10)
    item_id: int
    title: str | None = None
    text: str = ""
    content_hash: str = Field(max_length=32)
    seen_from: datetime = utc_column()
    replaced_at: datetime = utc_column()


class CheckItem(SQLModel, table=True):
    """A "check this post" item: comments exist upstream that no API lets us read.

    Opened when a post's comment count rises where the platform gives no comment text;
    closed when staff have entered that many comments by hand, or dismissed it.
    """

    __tablename__ = "check_item"
    __table_args__ = (sa.Index("ix_check_item_status", "status", "opened_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    post_id: int = Field(foreign_key="post.id", index=True)
    platform: str = Field(max_length=20)
    url: str | None = None
    comments_before: int = 0
    """The post's comment count before the new comments arrived."""
    comments_now: int = 0
    entered: int = 0
    """Comments staff entered by hand for this post since the item opened."""
    status: str = Field(default="open", max_length=20)
    """open, entered (staff entered the comments) or dismissed."""
    opened_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    closed_at: datetime | None = utc_column(nullable=True)
    closed_by: str | None = None
    note: str | None = None
