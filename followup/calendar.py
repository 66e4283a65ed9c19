"""Private calendar subscriptions: one secret link per prescription that a calendar app
fetches without logging in (the token is the credential, so it is long and random).

Making a new link replaces the token (the old URL then 404s); stopping deletes it. The
feed carries the plan (courses, dates, reminders) and never the technologist's name.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from followup.models import CalendarFeed
from prescriptions.models import Prescription

TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def feed_for_prescription(prescription: Prescription) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(prescription=prescription).first()


def feed_prescription_for_token(token: str) -> Prescription | None:
    """The prescription a feed token opens, or None for an unknown or revoked token."""
    feed = (
        CalendarFeed.objects.filter(token=token)
        .select_related("prescription__outline__discipline")
        .first()
    )
    return feed.prescription if feed is not None else None


@transaction.atomic
def feed_create(*, prescription: Prescription) -> CalendarFeed:
    """The prescription's link, made now unless it has one (then it stays as it is)."""
    feed, _ = CalendarFeed.objects.select_for_update().get_or_create(
        prescription=prescription, defaults={"token": _new_token()}
    )
    return feed


@transaction.atomic
def feed_renew(*, prescription: Prescription) -> CalendarFeed:
    """A new secret link; the previous one stops working at once."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        prescription=prescription, defaults={"token": _new_token()}
    )
    if not created:
        feed.token = _new_token()
        feed.save(update_fields=["token"])
    return feed


def feed_stop(*, prescription: Prescription) -> bool:
    """Remove the link (it 404s from now on); False when there was none."""
    deleted, _ = CalendarFeed.objects.filter(prescription=prescription).delete()
    return deleted > 0
