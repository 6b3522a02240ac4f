"""Staff accounts and their browser sessions.

Sessions are server-side: the cookie carries a random token, the table keeps only
its SHA-256, so logging out, disabling an account or changing a password ends them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from aggregator.store.tables import SESSION, USER
from aggregator.users import StaffUser as User
from aggregator.users import UserError
from aggregator.workflow import Role

LAST_SEEN_STEP = timedelta(seconds=60)


def _user(row: Any) -> User:
    return User(
        id=int(row.id),
        name=row.name,
        role=Role(row.role),
        department=row.department,
        disabled=bool(row.disabled),
        failed_logins=int(row.failed_logins),
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
    )


def create_user(
    conn: Connection, name: str, role: Role, department: str | None, pw_hash: str, now: datetime
) -> int:
    """Insert an account; `UserError` when the name is taken."""
    values = {
        "name": name,
        "role": role.value,
        "department": department,
        "password_hash": pw_hash,
        "disabled": False,
        "failed_logins": 0,
        "created_at": now,
        "password_changed_at": now,
    }
    try:
        with conn.begin_nested():
            new_id = conn.execute(sa.insert(USER).returning(USER.c.id).values(**values))
            return int(new_id.scalar_one())
    except IntegrityError:
        raise UserError(
            f"an account named {name!r} already exists", f"아이디: 이미 있는 계정입니다 ({name})"
        ) from None


def list_users(conn: Connection) -> list[User]:
    """Every account, by name."""
    return [_user(row) for row in conn.execute(sa.select(USER).order_by(USER.c.name))]


def user_with_hash(conn: Connection, name: str) -> tuple[User, str] | None:
    """An account and its password hash, by name."""
    row = conn.execute(sa.select(USER).where(USER.c.name == name)).first()
    return (_user(row), row.password_hash) if row else None


LAST_ADMIN = UserError(
    "this would leave no active admin account",
    "활성 관리자가 한 명도 남지 않게 되어 바꿀 수 없습니다",
)


def _keep_an_admin(conn: Connection, name: str) -> None:
    """`UserError` unless an active admin other than `name` remains. Every active admin's
    row is locked, in id order (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already
    serialises writers), so two admins demoting each other at once cannot both succeed:
    the second waits, then no longer finds the first among the admins."""
    admins = (
        sa.select(USER.c.name)
        .where(USER.c.role == Role.ADMIN.value, USER.c.disabled.is_(False))
        .order_by(USER.c.id)
        .with_for_update()
    )
    if not any(found != name for found in conn.execute(admins).scalars()):
        raise LAST_ADMIN


def set_disabled(conn: Connection, name: str, disabled: bool) -> bool:
    """Disable (or enable) an account; disabling ends its sessions. `UserError` when it
    would disable the last active admin."""
    user_id = conn.execute(sa.select(USER.c.id).where(USER.c.name == name)).scalar()
    if user_id is None:
        return False
    if disabled:
        _keep_an_admin(conn, name)
    conn.execute(sa.update(USER).where(USER.c.id == user_id).values(disabled=disabled))
    if disabled:
        conn.execute(sa.delete(SESSION).where(SESSION.c.user_id == user_id))
    return True


def set_role(conn: Connection, name: str, role: Role, department: str | None) -> User | None:
    """Change an account's role and department (None: no such account); `UserError`
    when it would demote the last active admin. The new rights apply at the account's
    next request (sessions read the account every time)."""
    row = conn.execute(sa.select(USER).where(USER.c.name == name)).first()
    if row is None:
        return None
    if row.role == Role.ADMIN.value and role != Role.ADMIN:
        _keep_an_admin(conn, name)
    conn.execute(
        sa.update(USER).where(USER.c.id == row.id).values(role=role.value, department=department)
    )
    return _user(row)


def unlock(conn: Connection, name: str) -> bool:
    """Lift a lockout after failed logins and reset the failure count."""
    result = conn.execute(
        sa.update(USER).where(USER.c.name == name).values(failed_logins=0, locked_until=None)
    )
    return bool(result.rowcount)


def set_password(conn: Connection, name: str, pw_hash: str, now: datetime) -> bool:
    """Replace a password hash, lift any lockout and end the account's sessions."""
    user_id = conn.execute(sa.select(USER.c.id).where(USER.c.name == name)).scalar()
    if user_id is None:
        return False
    conn.execute(
        sa.update(USER)
        .where(USER.c.id == user_id)
        .values(password_hash=pw_hash, password_changed_at=now, failed_logins=0, locked_until=None)
    )
    conn.execute(sa.delete(SESSION).where(SESSION.c.user_id == user_id))
    return True


def login_failed(
    conn: Connection, user_id: int, now: datetime, max_failed: int, lockout: timedelta
) -> bool:
    """Count a failed login; lock the account when it reaches `max_failed`. True if locked."""
    failed = conn.execute(
        sa.update(USER)
        .where(USER.c.id == user_id)
        .values(failed_logins=USER.c.failed_logins + 1)
        .returning(USER.c.failed_logins)
    ).scalar_one()
    if int(failed) < max_failed:
        return False
    conn.execute(
        sa.update(USER)
        .where(USER.c.id == user_id)
        .values(locked_until=now + lockout, failed_logins=0)
    )
    return True


def login_succeeded(conn: Connection, user_id: int, pw_hash: str | None, now: datetime) -> None:
    """Reset the failure count; store a re-hashed password when the parameters changed."""
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if pw_hash is not None:
        values["password_hash"] = pw_hash
    conn.execute(sa.update(USER).where(USER.c.id == user_id).values(**values))


def create_session(
    conn: Connection,
    user_id: int,
    token_hash: str,
    csrf: str,
    now: datetime,
    lifetime: timedelta,
    client_ip: str | None,
) -> None:
    """Start a session (and drop this account's expired ones)."""
    conn.execute(sa.delete(SESSION).where(SESSION.c.user_id == user_id, SESSION.c.expires_at < now))
    conn.execute(
        sa.insert(SESSION).values(
            token_hash=token_hash,
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            client_ip=client_ip,
        )
    )


def session_user(
    conn: Connection, token_hash: str, now: datetime, idle: timedelta
) -> tuple[User, str, bool] | None:
    """The account and CSRF token of a live session, and whether its last-seen time is
    due for a refresh; None when expired, idle too long or the account is disabled."""
    row = conn.execute(
        sa.select(USER, SESSION.c.csrf_token, SESSION.c.last_seen_at, SESSION.c.expires_at)
        .join(SESSION, SESSION.c.user_id == USER.c.id)
        .where(SESSION.c.token_hash == token_hash)
    ).first()
    if row is None or row.disabled or row.expires_at <= now or row.last_seen_at + idle <= now:
        return None
    return _user(row), row.csrf_token, now - row.last_seen_at >= LAST_SEEN_STEP


def touch_session(conn: Connection, token_hash: str, now: datetime) -> None:
    """Refresh a session's last-seen time (the idle timeout counts from it)."""
    conn.execute(
        sa.update(SESSION).where(SESSION.c.token_hash == token_hash).values(last_seen_at=now)
    )


def end_session(conn: Connection, token_hash: str) -> None:
    """Log out: forget the session."""
    conn.execute(sa.delete(SESSION).where(SESSION.c.token_hash == token_hash))
