"""Staff accounts: roles, argon2 password hashes and the login lockout policy.

Pure rules; the store keeps the accounts. Passwords are hashed with argon2id
(`argon2-cffi`); a hash made with weaker parameters is re-hashed at the next login.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from aggregator.workflow import Actor, Role

NAME = re.compile(r"^[\w.@-]{2,64}$")
MIN_PASSWORD = 10


class UserError(ValueError):
    """An account cannot be created or changed as asked; the message says why (the
    command line shows it), `korean` says it on the web pages."""

    def __init__(self, message: str, korean: str | None = None) -> None:
        super().__init__(message)
        self.korean = korean or message


@dataclass(frozen=True)
class StaffUser:
    """A staff account as the web app sees it (never with its password hash)."""

    id: int
    name: str
    role: Role
    department: str | None
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def actor(self) -> Actor:
        """The account as the workflow's `Actor`."""
        return Actor(self.name, self.role, self.department)


def check_new_user(name: str, role: str, department: str | None, departments: list[str]) -> Role:
    """Validate a new account's name, role and department; return the role."""
    if not NAME.match(name):
        raise UserError(
            "name: 2-64 letters, digits, '.', '_', '@' or '-'",
            "아이디: 영문·숫자와 '.', '_', '@', '-'로 2~64자여야 합니다",
        )
    return check_role(role, department, departments)


def check_role(role: str, department: str | None, departments: list[str]) -> Role:
    """Validate a role and the department that goes with it (new or changed account)."""
    try:
        parsed = Role(role)
    except ValueError:
        korean = "권한: 목록에서 고르세요"
        raise UserError(f"role must be one of: {', '.join(Role)}", korean) from None
    if parsed == Role.DEPARTMENT and not department:
        raise UserError(
            "a department officer needs --department", "부서: 부서 담당자는 부서가 있어야 합니다"
        )
    if department and departments and department not in departments:
        raise UserError(
            f"unknown department {department!r} (see `departments` in the config)",
            f"부서: 설정에 없는 부서입니다 ({department[:40]})",
        )
    return parsed


def check_password(password: str) -> None:
    """At least MIN_PASSWORD characters, not all the same character."""
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"the password needs at least {MIN_PASSWORD} characters",
            f"비밀번호: {MIN_PASSWORD}자 이상이어야 합니다",
        )
    if len(set(password)) < 4:
        raise UserError("the password is too simple", "비밀번호: 너무 단순합니다")


def generate_password() -> str:
    """A random password for demo and first accounts (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def hash_password(hasher: PasswordHasher, password: str) -> str:
    """An argon2id hash of `password`."""
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    """True when `password` matches; never raises on a wrong password or a broken hash."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def is_locked(user: StaffUser, now: datetime) -> bool:
    """True while a lockout after repeated failed logins lasts."""
    return user.locked_until is not None and user.locked_until > now


DUMMY_HASH_PASSWORD = "not-a-real-password-0"  # noqa: S105 (never a login)
"""Verified against when the account does not exist, so timing does not tell."""
