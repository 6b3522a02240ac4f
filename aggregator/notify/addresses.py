"""Department addresses (set by the admin) and staff preferences (set by each person):
validated here, stored by `aggregator.store.notifications`.

A webhook URL must be http(s) with a host, and may not point at a private or local
address outside `http.allow_private_networks` (checked when saved, as far as the name
resolves, and again by the guarded client at every send).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aggregator.config import Settings
from aggregator.http import address_policy
from aggregator.net_guard import ForbiddenAddress, is_ip_literal
from aggregator.notify.kinds import OFFICE, kinds_for
from aggregator.store import Store
from aggregator.users import StaffUser

EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_EMAILS = 20
MAX_URL = 500


class AddressError(ValueError):
    """An address is not usable; the message (Korean) names which and why."""


@dataclass(frozen=True)
class Preference:
    """One staff member's choices (defaults when never saved: nothing is sent)."""

    email: str | None
    kinds: frozenset[str]
    digest: bool


def parse_email(value: str) -> str | None:
    """One address, or None when empty; `AddressError` when malformed."""
    text = value.strip()
    if not text:
        return None
    if len(text) > 254 or not EMAIL.match(text):
        raise AddressError(f"올바른 전자우편 주소가 아닙니다: {text[:80]}")
    return text


def parse_emails(value: str) -> list[str]:
    """Addresses separated by commas, spaces or lines, each checked; duplicates dropped."""
    found = [parse_email(part) for part in re.split(r"[\s,;]+", value) if part.strip()]
    unique = list(dict.fromkeys(a for a in found if a))
    if len(unique) > MAX_EMAILS:
        raise AddressError(f"전자우편 주소는 {MAX_EMAILS}개까지 적을 수 있습니다")
    return unique


def check_webhook(value: str, settings: Settings) -> str | None:
    """The webhook URL, or None when empty; `AddressError` when it may not be used."""
    url = value.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressError(
            f"웹훅 주소는 http:// 또는 https:// 로 시작하는 주소여야 합니다: {url[:80]}"
        )
    policy = address_policy(settings.http.allowed_networks())
    host = parts.hostname
    try:
        if is_ip_literal(host):
            problem = policy.problem(host)
            if problem:
                raise ForbiddenAddress(host)
        else:
            policy.resolve(host, parts.port or 443)
    except ForbiddenAddress:
        raise AddressError(
            f"웹훅 주소가 내부망·로컬 주소를 가리킵니다 ({host}): "
            "http.allow_private_networks에 있는 망만 쓸 수 있습니다"
        ) from None
    except (socket.gaierror, UnicodeError):
        pass  # not resolvable from here now: the guarded client checks again at every send
    return url


def contacts(store: Store) -> dict[str, dict[str, Any]]:
    """Every department's (and the office's) addresses."""
    return store.outbox.contacts()


def save_contact(
    store: Store, settings: Settings, department: str, emails: str, webhook: str, by: str
) -> None:
    """Validate and store a department's addresses (both empty: removed)."""
    if department != OFFICE and department not in settings.departments:
        raise AddressError(f"config.yaml의 departments에 없는 부서입니다: {department[:50]}")
    addresses = parse_emails(emails)
    url = check_webhook(webhook, settings)
    store.outbox.save_contact(department, addresses, url, by)


def preference(store: Store, user: StaffUser) -> Preference:
    """A staff member's saved choices, or the empty default."""
    found = store.outbox.preference(user.id)
    if found is None:
        return Preference(None, frozenset(), False)
    return Preference(found["email"], frozenset(found["kinds"]), bool(found["digest"]))


def save_preference(
    store: Store, user: StaffUser, email: str, kinds: Iterable[str], digest: bool
) -> Preference:
    """Validate and store a staff member's choices; kinds their role cannot get are refused."""
    address = parse_email(email)
    allowed = {k.value for k in kinds_for(user.role)}
    chosen = set(kinds)
    unknown = chosen - allowed
    if unknown:
        labels = ", ".join(sorted(unknown))
        raise AddressError(f"이 계정의 권한으로 받을 수 없는 알림입니다: {labels}")
    if (chosen or digest) and address is None:
        raise AddressError("알림을 받으려면 전자우편 주소를 적어 주세요")
    store.outbox.save_preference(user.id, address, chosen, digest)
    return Preference(address, frozenset(chosen), digest)
