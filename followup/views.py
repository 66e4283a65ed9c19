"""Follow-up pages: reminder settings, one-click unsubscribe, plan alerts, calendar feeds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from followup import reminders


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
