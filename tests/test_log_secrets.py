"""No credential reaches a log, at any level, from any logger, for every connector and auth mode.

Logging is configured the way the CLI and the scheduler do it (`configure_logging`,
then `protect_secrets` with the loaded settings); then every logger is captured at
DEBUG during full syncs of the sandbox's accounts: blogs, Facebook with an app secret,
X with a bearer token, X with OAuth 1.0a user context, Pinterest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from aggregator.config import Settings, parse_settings
from aggregator.db import create_db_engine
from aggregator.logging_setup import Redactor, configure_logging, protect_secrets, secret_values
from aggregator.runner import sync_accounts
from aggregator.sandbox import Sandbox
from aggregator.sandbox.config_writer import SANDBOX_ENV
from aggregator.sandbox.graph import PAGE_TOKEN
from aggregator.store import Store
from connectors.graph.api import appsecret_proof

USER_CONTEXT = {
    "X_CONSUMER_KEY": "xck-Lq7Rk2Vd9Ws4Zp1Yt6Nb3Mc8",
    "X_CONSUMER_SECRET": "xcs-Gh5Jk8Lm2Np4Qr6St9Uv1Wx3Yz7Ab0Cd",
    "X_ACCESS_TOKEN": "1234567890-xat+Ef4Gh7Ij1Kl3Mn6Op9Qr2St5",
    "X_ACCESS_TOKEN_SECRET": "xats/Uv8Wx1Yz4Ab7Cd0Ef3Gh6Ij9Kl2Mn5",
}
APP_SECRET = "fb-app-secret-8c1e2d3f4a5b6c7d"
ENVIRON = {**SANDBOX_ENV, **USER_CONTEXT, "FB_APP_SECRET": APP_SECRET}
LIBRARY_LOGGERS = ("urllib3", "oauthlib", "requests_oauthlib", "tweepy", "facebook", "requests")


def sandbox_settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    """The sandbox's config plus Facebook's app secret and an X account in user context."""
    config = yaml.safe_load(sandbox.write_config(tmp_path / "c.yaml").read_text("utf-8"))
    accounts: list[dict[str, Any]] = config["accounts"]
    facebook = next(a for a in accounts if a["platform"] == "facebook")
    facebook["app_secret"] = {"env": "FB_APP_SECRET"}
    bearer = next(a for a in accounts if a["platform"] == "twitter")
    user = {k: v for k, v in bearer.items() if k != "bearer_token"}
    user |= {"name": "x-user-context", "search_conversations": False}
    user |= {key.lower()[2:]: {"env": key} for key in USER_CONTEXT}
    accounts.append(user)
    config["database"]["url"] = str(tmp_path / "d.db")
    return parse_settings(yaml.safe_dump(config, allow_unicode=True), environ=ENVIRON)


@pytest.fixture
def configured_logging() -> Iterator[None]:
    """The production logging setup, undone afterwards."""
    factory = logging.getLogRecordFactory()
    configure_logging(verbose=False)
    yield
    logging.setLogRecordFactory(factory)


def test_no_credential_reaches_any_log_during_full_syncs(
    sandbox: Sandbox,
    tmp_path: Path,
    sqlite_url: str,
    configured_logging: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = sandbox_settings(sandbox, tmp_path)
    protect_secrets(settings)
    sandbox.graph.app_secret = APP_SECRET
    caplog.set_level(logging.DEBUG)
    for name in LIBRARY_LOGGERS:  # the CLI quiets some of them: open them all up
        caplog.set_level(logging.DEBUG, logger=name)
    store = Store(create_db_engine(sqlite_url))
    try:
        results = sync_accounts(store, settings, settings.accounts, "manual")
    finally:
        store.close()

    statuses = {r.account: r.status for r in results}
    assert statuses["facebook-page"] == statuses["x-account"] == statuses["pinterest"] == "ok"
    assert statuses["x-user-context"] == "needs_reauth", "the sandbox takes bearer tokens only"
    records = [r for r in caplog.records if not r.name.startswith("aggregator.sandbox")]
    names = {r.name.split(".")[0] for r in records}
    assert {"urllib3", "oauthlib", "requests_oauthlib", "tweepy"} <= names, names
    logged = "\n".join(caplog.handler.format(r) for r in records)
    secrets = [*secret_values(settings), appsecret_proof(PAGE_TOKEN, APP_SECRET)]
    assert set(USER_CONTEXT.values()) | {APP_SECRET, PAGE_TOKEN} <= set(secrets)
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote(quote(secret, safe=""), safe="")}:
            assert form not in logged, f"a credential ({secret[:4]}...) reached the log"


@pytest.mark.parametrize(
    "line",
    [
        "Collected params: [('oauth_consumer_key', 'K3y'), ('oauth_token', '1-T0k')]",
        "headers: {'Authorization': 'OAuth oauth_consumer_key=\"K3y\", oauth_token=\"1-T0k\"'}",
        "signature base string: GET&http%3A%2F%2Fx&oauth_consumer_key%3DK3y%26oauth_token%3D1-T0k",
        "Signing request <R> using client <Client client_key=K3y, resource_owner_key=1-T0k>",
        "Making API request: GET /2/users/me {'Authorization': 'Bearer AAAA1-T0k'}",
        "GET /v25.0/me?fields=id&access_token=1-T0k&appsecret_proof=K3y HTTP/1.1",
    ],
)  # fmt: skip
def test_credential_shapes_are_redacted_without_knowing_the_values(line: str) -> None:
    cleaned = Redactor().clean(line)
    assert "K3y" not in cleaned
    assert "1-T0k" not in cleaned
    assert "REDACTED" in cleaned
