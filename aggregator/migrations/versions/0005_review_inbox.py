"""review inbox: staff accounts, sessions, access log, review history, routing
suggestions, inbox indexes and the Korean search index (FTS5 / tsvector)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:51:58.813935
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import aggregator.models
from aggregator.search_text import index_text

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("row_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ix_access_log_action", ["action", "at"], unique=False)
        batch_op.create_index("ix_access_log_at", ["at", "id"], unique=False)
        batch_op.create_index("ix_access_log_staff", ["staff", "at"], unique=False)

    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", aggregator.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "password_changed_at", aggregator.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_login_at", aggregator.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "web_session",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_user.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "review_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_event", schema=None) as batch_op:
        batch_op.create_index("ix_review_event_comment", ["comment_id", "id"], unique=False)

    op.create_table(
        "routing_suggestion",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("spam", sa.Boolean(), nullable=False),
        sa.Column(
            "rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", aggregator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("decided_at", aggregator.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
        ),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        # replies only: most comments have no parent, and a full index looks unselective
        batch_op.drop_index("ix_comment_parent")
        batch_op.create_index(
            "ix_comment_parent",
            ["platform", "parent_external_id"],
            unique=False,
            sqlite_where=sa.text("parent_external_id IS NOT NULL"),
            postgresql_where=sa.text("parent_external_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_comment_created"))
        batch_op.create_index("ix_comment_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_comment_owner",
            ["id"],
            unique=False,
            sqlite_where=sa.text("by_account_owner = 1"),
            postgresql_where=sa.text("by_account_owner"),
        )
        batch_op.create_index(
            "ix_comment_manual_created", ["manual_entry", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_comment_platform_created", ["platform", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "comment_created_at", aggregator.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
        batch_op.add_column(sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("complaint_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_until", aggregator.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index(batch_op.f("ix_review_department"))
        batch_op.drop_index(batch_op.f("ix_review_status"))
        batch_op.create_index(
            "ix_review_assignee_created",
            ["assignee", "comment_created_at", "comment_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_review_department_created",
            ["department", "comment_created_at", "comment_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_review_status_created", ["status", "comment_created_at", "comment_id"], unique=False
        )

    op.execute(
        "UPDATE review SET comment_created_at = "
        "(SELECT created_at FROM comment WHERE comment.id = review.comment_id)"
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.alter_column(
            "comment_created_at",
            existing_type=aggregator.models.UTCDateTime(timezone=True),
            nullable=False,
        )

    with op.batch_alter_table("review_tag", schema=None) as batch_op:
        batch_op.create_index("ix_review_tag_tag", ["tag", "comment_id"], unique=False)

    _create_search_index()
    _make_append_only()


SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE comment_search USING fts5("
    "grams, content='', columnsize=0, tokenize='unicode61 remove_diacritics 0')"
)
PG_SEARCH = (
    "CREATE TABLE comment_search ("
    "comment_id INTEGER PRIMARY KEY REFERENCES comment(id) ON DELETE CASCADE, "
    "grams TSVECTOR NOT NULL)",
    "CREATE INDEX ix_comment_search_grams ON comment_search USING gin (grams)",
)
BACKFILL_CHUNK = 5000


def _create_search_index() -> None:
    """The bigram index of comment texts (see aggregator/search_text.py), filled from
    the stored comments."""
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    for statement in PG_SEARCH if postgres else (SQLITE_SEARCH,):
        op.execute(statement)
    insert = (
        "INSERT INTO comment_search (comment_id, grams) VALUES (:id, to_tsvector('simple', :grams))"
        if postgres
        else "INSERT INTO comment_search (rowid, grams) VALUES (:id, :grams)"
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.text("SELECT id, text FROM comment WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BACKFILL_CHUNK},
        ).all()
        if not rows:
            return
        conn.execute(sa.text(insert), [{"id": r.id, "grams": index_text(r.text)} for r in rows])
        last = rows[-1].id


SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
    "CREATE TRIGGER access_log_keep_two_years BEFORE DELETE ON access_log "
    "WHEN old.at > datetime('now', '-730 days') "
    "BEGIN SELECT RAISE(ABORT, 'access_log records are kept for two years'); END",
    "CREATE TRIGGER review_event_no_update BEFORE UPDATE ON review_event "
    "BEGIN SELECT RAISE(ABORT, 'review_event is append-only'); END",
)
PG_APPEND_ONLY = (
    "CREATE FUNCTION aggregator_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE OR TRUNCATE ON access_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION aggregator_append_only()",
    "CREATE TRIGGER access_log_keep_two_years BEFORE DELETE ON access_log FOR EACH ROW "
    "WHEN (old.at > now() - interval '730 days') EXECUTE FUNCTION aggregator_append_only()",
    "CREATE TRIGGER review_event_no_update BEFORE UPDATE ON review_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION aggregator_append_only()",
)


def _make_append_only() -> None:
    """The access log (PIPA) and review history cannot be edited; access records cannot
    be deleted for two years."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_APPEND_ONLY if postgres else SQLITE_APPEND_ONLY:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table in (
        ("access_log_no_update", "access_log"),
        ("access_log_keep_two_years", "access_log"),
        ("review_event_no_update", "review_event"),
    ):
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgres else f"DROP TRIGGER {name}")
    if postgres:
        op.execute("DROP FUNCTION aggregator_append_only()")
    op.execute("DROP TABLE comment_search")
    with op.batch_alter_table("review_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_review_tag_tag")

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_status_created")
        batch_op.drop_index("ix_review_department_created")
        batch_op.drop_index("ix_review_assignee_created")
        batch_op.create_index(batch_op.f("ix_review_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_department"), ["department"], unique=False)
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("complaint_ref")
        batch_op.drop_column("reason")
        batch_op.drop_column("priority")
        batch_op.drop_column("comment_created_at")

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_platform_created")
        batch_op.drop_index("ix_comment_manual_created")
        batch_op.drop_index("ix_comment_owner")
        batch_op.drop_index("ix_comment_created")
        batch_op.create_index(batch_op.f("ix_comment_created"), ["created_at"], unique=False)
        batch_op.drop_index("ix_comment_parent")
        batch_op.create_index("ix_comment_parent", ["platform", "parent_external_id"], unique=False)

    op.drop_table("routing_suggestion")
    with op.batch_alter_table("review_event", schema=None) as batch_op:
        batch_op.drop_index("ix_review_event_comment")

    op.drop_table("review_event")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_user_id"))

    op.drop_table("web_session")
    op.drop_table("staff_user")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_access_log_staff")
        batch_op.drop_index("ix_access_log_at")
        batch_op.drop_index("ix_access_log_action")

    op.drop_table("access_log")
