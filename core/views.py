from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.selectors import catalog_stats_public


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What CQR prescriptions are, in plain words, and where to start."""
    return render(request, "core/home.html", {"stats": catalog_stats_public()})
