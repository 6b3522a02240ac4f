"""Notification settings: each staff member's own (`/settings/notifications`) and the
departments' addresses with the failed deliveries (`/admin/departments`, admins)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.responses import RedirectResponse, Response

from aggregator.notify import addresses
from aggregator.notify.addresses import AddressError
from aggregator.notify.kinds import LABELS, OFFICE, Kind, kinds_for, place_label
from aggregator.web.core import Ctx

FAILURES_SHOWN = 50
CHANNELS = {"email": "전자우편", "webhook": "웹훅"}


def settings_page(ctx: Ctx, problems: list[str] | None = None, status: int = 200) -> Response:
    """GET /settings/notifications: my address, the kinds I get, the digest."""
    saved = addresses.preference(ctx.state.store, ctx.user)
    values = dict(ctx.form) if problems else None
    chosen = set(ctx.form.getlist("kinds")) if problems else set(saved.kinds)
    ctx.log("view_notification_settings", target=f"user:{ctx.user.name}")
    return ctx.render(
        "notify_settings.html",
        email=(values or {}).get("email", saved.email or ""),
        kinds=[(k.value, LABELS[k], k.value in chosen) for k in kinds_for(ctx.user.role)],
        digest=(values or {}).get("digest") == "1" if problems else saved.digest,
        digest_label=LABELS[Kind.DIGEST],
        digest_time=ctx.state.settings.notifications.digest_time,
        problems=problems or [],
        saved=ctx.request.query_params.get("saved") == "1",
        status_code=status,
    )


def settings_save(ctx: Ctx) -> Response:
    """POST /settings/notifications: validate and store my choices."""
    kinds = [str(k) for k in ctx.form.getlist("kinds")]
    digest = ctx.form.get("digest") == "1"
    try:
        saved = addresses.save_preference(
            ctx.state.store, ctx.user, str(ctx.form.get("email", "")), kinds, digest
        )
    except AddressError as exc:
        return settings_page(ctx, [str(exc)], 400)
    detail = {"kinds": sorted(saved.kinds), "digest": saved.digest, "email": bool(saved.email)}
    ctx.log("notification_settings_save", target=f"user:{ctx.user.name}", detail=detail)
    return RedirectResponse("/settings/notifications?saved=1", status_code=303)


def departments_page(
    ctx: Ctx, problems: dict[str, str] | None = None, status: int = 200
) -> Response:
    """GET /admin/departments: each department's addresses, and failed deliveries."""
    store = ctx.state.store
    known = addresses.contacts(store)
    places = [OFFICE, *ctx.state.settings.departments]
    entries = [_entry(place, known.get(place), ctx, problems or {}) for place in places]
    counts = store.outbox.notification_counts()
    failed = store.outbox.notification_failures(FAILURES_SHOWN)
    ctx.log("view_departments", target="departments")
    return ctx.render(
        "departments.html",
        entries=entries,
        counts=counts,
        failed=[_failure(f) for f in failed],
        problems=problems or {},
        saved=ctx.request.query_params.get("saved"),
        retried=ctx.request.query_params.get("retried"),
        status_code=status,
    )


def _entry(
    place: str, contact: dict[str, Any] | None, ctx: Ctx, problems: dict[str, str]
) -> dict[str, Any]:
    """One row of the addresses table (what was typed, when it was refused)."""
    refused = ctx.form.get("department") == place and place in problems
    emails = ", ".join(contact["emails"]) if contact else ""
    webhook = (contact or {}).get("webhook_url") or ""
    if refused:
        emails, webhook = str(ctx.form.get("emails", "")), str(ctx.form.get("webhook_url", ""))
    return {"key": place, "label": place_label(place), "emails": emails, "webhook": webhook}


def _failure(row: dict[str, Any]) -> dict[str, Any]:
    """A failed delivery as shown: a webhook only by its host (its path may be a secret)."""
    shown = row["recipient"]
    if row["channel"] == "webhook":
        shown = f"{urlsplit(shown).hostname or '?'} (웹훅)"
    kind = LABELS.get(Kind(row["kind"])) if row["kind"] in set(Kind) else row["kind"]
    return {
        **row,
        "recipient": shown,
        "kind": kind,
        "channel": CHANNELS.get(row["channel"], row["channel"]),
        "place": place_label(row["department"]) if row["department"] else "",
    }


def departments_save(ctx: Ctx) -> Response:
    """POST /admin/departments: validate and store one department's addresses."""
    department = str(ctx.form.get("department", ""))
    emails, webhook = str(ctx.form.get("emails", "")), str(ctx.form.get("webhook_url", ""))
    try:
        addresses.save_contact(
            ctx.state.store, ctx.state.settings, department, emails, webhook, ctx.user.name
        )
    except AddressError as exc:
        return departments_page(ctx, {department: str(exc)}, 400)
    detail = {"emails": len(addresses.parse_emails(emails)), "webhook": bool(webhook.strip())}
    ctx.log("department_contact_save", target=f"department:{department[:60]}", detail=detail)
    return RedirectResponse("/admin/departments?saved=1", status_code=303)


def notification_retry(ctx: Ctx) -> Response:
    """POST /admin/notifications/{item_id}/retry: send a failed message again."""
    notification_id = ctx.request.path_params["item_id"]
    store = ctx.state.store
    retried = store.outbox.retry_notification(notification_id)
    ctx.log(
        "notification_retry", target=f"notification:{notification_id}", detail={"retried": retried}
    )
    return RedirectResponse(f"/admin/departments?retried={int(retried)}", status_code=303)
