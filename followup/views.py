"""Follow-up pages: reminder settings, one-click unsubscribe, plan alerts, calendar feeds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.money import format_amount
from followup import alerts, calendar, reminders
from plans.selectors.access import prescription_get_for_user
from plans.selectors.ical import FEED_REFRESH, plan_calendar
from prescriptions.models import Prescription


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        enabled = request.POST.get("email_reminders") == "on"
        reminders.reminders_set_enabled(user=request.user, enabled=enabled)
        messages.success(
            request, "Reminders by email are on." if enabled else "Reminders by email are off."
        )
        return redirect("followup:reminders")
    return render(
        request,
        "followup/reminders.html",
        {"enabled": reminders.reminders_enabled(request.user)},
    )


@csrf_exempt  # one click from an email, or a mail client's RFC 8058 POST: no session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Switch reminders off for the user the signed token names; no login needed."""
    user = reminders.user_from_unsubscribe_token(token)
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    reminders.reminders_set_enabled(user=user, enabled=False)
    return render(request, "followup/unsubscribed.html", {"email": user.email})


def _owned(request: HttpRequest, prescription_id: int) -> Prescription:
    return prescription_get_for_user(user=request.user, prescription_id=prescription_id)


@login_required
@require_POST
def alert_switch(request: HttpRequest, prescription_id: int) -> HttpResponse:
    """One click: the alert's bundle becomes the plan; done courses stay done."""
    prescription = _owned(request, prescription_id)
    try:
        switched = alerts.alert_switch(prescription=prescription)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("prescriptions:plan", pk=prescription.pk)
    if switched is None:
        messages.info(request, "There is no other plan to switch to now.")
    else:
        alert, _ = switched
        saved = f" You pay ${format_amount(alert.saving)} less." if alert.saving > 0 else ""
        messages.success(
            request, f"Your plan is now the new bundle.{saved} Your completed courses stay done."
        )
    return redirect("prescriptions:plan", pk=prescription.pk)


@login_required
@require_POST
def alert_dismiss(request: HttpRequest, prescription_id: int) -> HttpResponse:
    prescription = _owned(request, prescription_id)
    if alerts.alert_dismiss(prescription=prescription):
        messages.info(request, "You kept your plan.")
    return redirect("prescriptions:plan", pk=prescription.pk)


# --- Calendar subscription ---------------------------------------------------------------

FEED_ACTIONS = {
    "create": "Your calendar link is ready: copy it into your calendar app.",
    "renew": "Here is a new calendar link. The old one no longer works: subscribe again "
    "with this one.",
    "stop": "Your calendar link no longer works. Calendar apps subscribed to it stop updating.",
}


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The plan's calendar for a calendar app: no login, the secret token is the key."""
    prescription = calendar.feed_prescription_for_token(token)
    if prescription is None:
        raise Http404("This calendar link is not valid (it may have been replaced).")
    ics = plan_calendar(prescription, refresh=FEED_REFRESH)
    if ics is None:
        raise Http404("This prescription can no longer be planned.")
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cqr-plan.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_POST
def calendar_link(request: HttpRequest, prescription_id: int) -> HttpResponse:
    """Create, renew (new token, old URL 404s) or stop the prescription's calendar link."""
    prescription = _owned(request, prescription_id)
    action = request.POST.get("action", "")
    plan = reverse("prescriptions:plan", args=[prescription.pk]) + "#calendar-feed"
    if action not in FEED_ACTIONS:
        messages.error(
            request,
            f"Calendar link of “{prescription}”: unknown action “{action[:40]}” "
            f"(expected create, renew or stop); nothing changed.",
        )
        return redirect(plan)
    if action == "create":
        calendar.feed_create(prescription=prescription)
    elif action == "renew":
        calendar.feed_renew(prescription=prescription)
    else:
        calendar.feed_stop(prescription=prescription)
    messages.success(request, FEED_ACTIONS[action])
    return redirect(plan)
