"""Who receives a message: a department's (or the office's) addresses set by the admin,
and the staff who chose that kind of message for themselves."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from aggregator.notify.kinds import Kind
from aggregator.notify.messages import Message
from aggregator.store.outbox_repo import NotifyUnit
from aggregator.workflow import OFFICE_ROLES


@dataclass(frozen=True)
class Target:
    """One address a message goes to: an e-mail address or a webhook URL."""

    channel: str
    recipient: str


@dataclass(frozen=True)
class Audience:
    """The addresses and preferences in force when messages are queued."""

    contacts: dict[str, dict[str, Any]]
    subscribers: list[dict[str, Any]]

    @classmethod
    def load(cls, unit: NotifyUnit) -> Audience:
        """Read the department addresses and staff preferences."""
        return cls(unit.contacts(), unit.subscribers())

    def place(self, department: str) -> list[Target]:
        """The addresses of a department (or `OFFICE`)."""
        contact = self.contacts.get(department)
        if contact is None:
            return []
        found = [Target("email", address) for address in contact["emails"]]
        if contact["webhook_url"]:
            found.append(Target("webhook", contact["webhook_url"]))
        return found

    def people(
        self,
        kind: Kind,
        *,
        office: bool = False,
        department: str | None = None,
        names: Collection[str] = (),
        skip: str | None = None,
    ) -> list[Target]:
        """Staff who want `kind`: the office's, a department's officers, or by name;
        never `skip` (the person who acted)."""
        found = []
        for person in self.subscribers:
            wanted = person["digest"] if kind == Kind.DIGEST else kind.value in person["kinds"]
            if not wanted or person["name"] == skip:
                continue
            is_office = person["role"] in {r.value for r in OFFICE_ROLES}
            in_department = department is not None and person["department"] == department
            if (office and is_office) or in_department or person["name"] in names:
                found.append(Target("email", person["email"]))
        return found


def outbox_rows(
    key: str,
    kind: Kind,
    message: Message,
    targets: Iterable[Target],
    **about: Any,
) -> list[dict[str, Any]]:
    """One outbox row per distinct target of one message; keys stay unique per target."""
    unique = dict.fromkeys(targets)
    return [
        {
            "key": f"{key}:{target.channel}:{_short_hash(target.recipient)}",
            "kind": kind.value,
            "channel": target.channel,
            "recipient": target.recipient,
            "subject": message.subject,
            "body": message.body,
            **about,
        }
        for target in unique
    ]


def _short_hash(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()[:20]
