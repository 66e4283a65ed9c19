"""Follow-up parts of the prescriptions' pages: `{% load followup %}` then
`{% plan_alert prescription %}` (the cheaper-plan banner; `{% plan_alert_of prescription as
alert %}` gives the alert itself to a page that also says so elsewhere) or
`{% plan_followup prescription %}` (reminder settings and the calendar subscription)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from followup.alerts import alert_active
from followup.calendar import feed_for_prescription
from followup.reminders import reminders_enabled, site_url

register = template.Library()


@register.inclusion_tag("followup/_alert_banner.html", takes_context=True)
def plan_alert(context: Any, prescription: Any) -> dict[str, Any]:
    return {
        "alert": alert_active(prescription),
        "prescription": prescription,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def plan_alert_of(prescription: Any) -> Any:
    """The open alert of the prescription's plan, or None (for `as alert`)."""
    return alert_active(prescription)


@register.inclusion_tag("followup/_plan_followup.html", takes_context=True)
def plan_followup(context: Any, prescription: Any) -> dict[str, Any]:
    """The calendar subscription (its private link once made) and the reminder switch."""
    feed = feed_for_prescription(prescription)
    url = ""
    if feed is not None:
        path = reverse("followup:calendar_feed", args=[feed.token])
        request = context.get("request")
        url = request.build_absolute_uri(path) if request is not None else site_url(path)
    return {
        "prescription": prescription,
        "feed_url": url,
        "reminders_on": reminders_enabled(prescription.owner),
        "csrf_token": context.get("csrf_token"),
    }
