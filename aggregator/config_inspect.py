"""What `config check` and `config show` say about a validated configuration.

`forbidden_account_urls` names the account URLs the SSRF guard would refuse (a literal
private or local address outside `http.allow_private_networks`); `redacted_dump` is the
resolved configuration as plain data, secrets shown only as their variable's name.
"""

from __future__ import annotations

from typing import Any

from pydantic import AnyUrl

from aggregator.config import Settings
from aggregator.http import address_policy
from aggregator.net_guard import is_ip_literal


def forbidden_account_urls(settings: Settings) -> list[str]:
    """One line per account URL whose host is a literal private or local address not allowed."""
    policy = address_policy(settings.http.allowed_networks())
    problems = []
    for index, account in enumerate(settings.accounts):
        for key, value in account:
            host = value.host if isinstance(value, AnyUrl) else None
            reason = policy.problem(host.strip("[]")) if host and is_ip_literal(host) else None
            if reason:
                where = f"accounts[{index}] ({account.name}).{key}"
                problems.append(f"{where}: {host} in {value} is {reason}")
    return problems


def redacted_dump(settings: Settings) -> dict[str, Any]:
    """The resolved settings as plain data, secrets shown only as their variable name."""
    unset = {name for a in settings.accounts for name in a.missing_secrets().values()}
    data: dict[str, Any] = _redact(settings.model_dump(mode="json", exclude={"base_dir"}), unset)
    return data


def _redact(value: Any, unset: set[str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"env"}:
            state = "not set" if value["env"] in unset else "set, hidden"
            return f"${value['env']} ({state})"
        return {k: _redact(v, unset) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, unset) for v in value]
    return value
