"""Follow-up parts of the prescriptions' pages: `{% load followup %}` then
`{% plan_alert prescription %}` (the cheaper-plan banner) or `{% plan_followup prescription %}`
(reminder settings and the calendar subscription)."""

from __future__ import annotations

from typing import Any

from django import template

from followup.alerts import alert_active

register = template.Library()


@register.inclusion_tag("followup/_alert_banner.html", takes_context=True)
def plan_alert(context: Any, prescription: Any) -> dict[str, Any]:
    return {
        "alert": alert_active(prescription),
        "prescription": prescription,
        "csrf_token": context.get("csrf_token"),
    }
