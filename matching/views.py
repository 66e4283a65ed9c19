"""Run pages: the live status partial the bundles page polls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_GET

from matching.selectors import run_get_for_user


@login_required
@require_GET
def run_status(request: HttpRequest, run_id: int) -> HttpResponse:
    """The status block of a run. htmx polls it every second while the run is queued or
    running; once it is finished, `HX-Refresh` reloads the page to show the bundles.
    Without htmx it redirects to the prescription's page (which refreshes itself)."""
    run = run_get_for_user(user=request.user, run_id=run_id)
    if request.headers.get("HX-Request") != "true":
        return redirect("prescriptions:detail", pk=run.prescription_id)
    response = render(request, "matching/_run_status.html", {"run": run})
    if run.is_finished:
        response["HX-Refresh"] = "true"
    add_never_cache_headers(response)
    patch_vary_headers(response, ["HX-Request"])
    return response
