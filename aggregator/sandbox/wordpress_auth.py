"""The sandbox WordPress sites' one writing user: an Editor with an Application Password."""

from __future__ import annotations

import base64
import binascii
import hmac

from aggregator.sandbox.routing import SandboxRequest

EDITOR_USER = "hanbit-editor"
EDITOR_ID = 7
APP_PASSWORD = "Hbt7kQ2xLm9PwR4sZt8vNc3d"  # noqa: S105
"""The editor's Application Password (24 characters; WordPress shows it in groups of four and
ignores the spaces, so both forms work). Sandbox-only: it opens nothing real."""
APP_PASSWORD_ENV = "HANBIT_WORDPRESS_APP_PASSWORD"  # noqa: S105


def authenticated(request: SandboxRequest) -> bool | None:
    """True for the editor's Application Password, False for wrong credentials, None without."""
    header = request.header("Authorization") or ""
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given, wanted = password.replace(" ", ""), APP_PASSWORD.replace(" ", "")
    return user == EDITOR_USER and hmac.compare_digest(given, wanted)
