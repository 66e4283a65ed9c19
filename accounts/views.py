"""Sign-up and profile pages (login, logout and password reset are Django's own views)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import services
from accounts.forms import ProfileForm, SignupForm
from accounts.selectors import profile_for_user


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("prescriptions:list")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="accounts.auth_backends.CachedModelBackend")
        messages.success(request, "Welcome! Your account is ready. Enter your CQR prescription.")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect("prescriptions:new")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    current = profile_for_user(user=user)
    initial = {
        "full_name": current.full_name if current else "",
        "arrt_id": current.arrt_id if current else "",
        "disciplines": list(current.disciplines.all()) if current else [],
    }
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            user=user,
            full_name=form.cleaned_data["full_name"],
            arrt_id=form.cleaned_data["arrt_id"],
            disciplines=form.cleaned_data["disciplines"],
        )
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})
