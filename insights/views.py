"""Provider insights pages (provider staff only, their own providers only).

Every provider is reached through `provider_get_for_insights`: a missing provider and
another provider's id both answer 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from catalog.models import Course, Discipline, Package, Provider
from insights import services
from insights.forms import PackageCreateForm, SuggestionForm
from insights.selectors.access import provider_get_for_insights, provider_list_for_insights
from insights.selectors.dashboard import dashboard_for_provider
from insights.selectors.demand import HEAT_LEVELS
from insights.selectors.figures import ANONYMITY_THRESHOLD, HIDDEN_TEXT
from insights.selectors.suggestion import suggestion_for_provider


def _providers(request: HttpRequest) -> list[Provider]:
    return list(provider_list_for_insights(user=request.user))


@login_required
@require_GET
def insights_home(request: HttpRequest) -> HttpResponse:
    """Redirect to the first of the user's providers (404 for anyone who is not staff)."""
    providers = _providers(request)
    if not providers:
        raise Http404("Provider insights are for provider staff.")
    return redirect("insights:dashboard", provider_id=providers[0].pk)


@login_required
@require_GET
def dashboard(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = provider_get_for_insights(user=request.user, provider_id=provider_id)
    data = dashboard_for_provider(
        provider=provider,
        discipline_code=request.GET.get("discipline"),
        today=timezone.localdate(),
    )
    return render(
        request,
        "insights/dashboard.html",
        {
            "board": data,
            "providers": _providers(request),
            "threshold": ANONYMITY_THRESHOLD,
            "hidden_text": HIDDEN_TEXT,
            "heat_levels": range(1, HEAT_LEVELS + 1),
        },
    )


def _discipline(code: str) -> Discipline:
    discipline = Discipline.objects.filter(code=code).first()
    if discipline is None:
        raise Http404("Unknown discipline.")
    return discipline


def _own_course_ids(provider: Provider) -> list[int]:
    return list(
        Course.objects.filter(provider=provider, is_active=True).values_list("id", flat=True)
    )


def _default_code(provider: Provider, discipline: Discipline) -> str:

    base = f"{provider.code}-{discipline.code.lower()}-mix"
    taken = set(
        Package.objects.filter(provider=provider, code__startswith=base).values_list(
            "code", flat=True
        )
    )
    number = 1
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


@login_required
@require_http_methods(["GET", "POST"])
def suggestion(request: HttpRequest, provider_id: int) -> HttpResponse:
    """GET: the engine's package for a discipline. POST: create it as a real package."""
    provider = provider_get_for_insights(user=request.user, provider_id=provider_id)
    today = timezone.localdate()
    if request.method == "POST":
        form = PackageCreateForm(request.POST, course_ids=_own_course_ids(provider))
        if form.is_valid():
            try:
                package = services.package_create_from_courses(
                    provider=provider,
                    course_ids=form.cleaned_data["courses"],
                    code=form.cleaned_data["code"],
                    title=form.cleaned_data["title"],
                    price=form.cleaned_data["price"],
                    created_by=request.user.get_username(),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Package {package.code} created with {package.courses.count()} courses "
                    f"at {package.price}. It is now in your catalog.",
                )
                url = reverse("insights:dashboard", kwargs={"provider_id": provider.pk})
                return redirect(f"{url}?discipline={form.cleaned_data['discipline']}")
        discipline = _discipline(str(form.data.get("discipline", "")))
        target = None
    else:
        query = SuggestionForm(request.GET)
        if not query.is_valid():
            raise Http404("Choose a discipline.")
        discipline = _discipline(query.cleaned_data["discipline"])
        target = query.cleaned_data["target"]
        form = None
    view = suggestion_for_provider(
        provider=provider, discipline=discipline, today=today, target_percent=target
    )
    if form is None:
        form = PackageCreateForm(
            course_ids=[c.pk for c in view.courses],
            initial={
                "discipline": discipline.code,
                "courses": [c.pk for c in view.courses],
                "code": _default_code(provider, discipline),
                "title": f"{discipline.code} mix-and-match CQR bundle",
                "price": view.suggested_price,
            },
        )
    return render(
        request,
        "insights/suggestion.html",
        {
            "provider": provider,
            "suggestion": view,
            "form": form,
            "query": SuggestionForm(initial={"discipline": discipline.code, "target": target}),
            "threshold": ANONYMITY_THRESHOLD,
        },
    )


def _add_errors(form: PackageCreateForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
