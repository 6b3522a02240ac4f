"""Telling secrets apart without keeping them: a short SHA-256 fingerprint.

Cursors may keep a fingerprint of a token (when it was first seen, which grant Google
refused) so that a new token is noticed; the database never holds the token itself.
"""

from __future__ import annotations

import hashlib

FINGERPRINT_CHARS = 16


def fingerprint(*secrets: str) -> str:
    """`sha256:` and the first 16 hex digits of the SHA-256 of the secrets (joined by NUL):
    tells secrets apart, reveals nothing usable."""
    digest = hashlib.sha256("\0".join(secrets).encode()).hexdigest()
    return "sha256:" + digest[:FINGERPRINT_CHARS]
