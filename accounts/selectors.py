"""Accounts reads."""

from __future__ import annotations

from django.contrib.auth.models import User

from accounts.models import Profile


def profile_for_user(*, user: User) -> Profile | None:
    """The user's profile with its disciplines, or None when it was never created."""
    return Profile.objects.prefetch_related("disciplines").filter(user=user).first()


def display_name(*, user: User) -> str:
    """The name printed on plans: the profile's full name, else the user's name, else login.
    No query for a user loaded with its profile (`select_related("owner__profile")`)."""
    try:
        profile: Profile | None = user.profile
    except Profile.DoesNotExist:
        profile = None
    if profile and profile.full_name:
        return profile.full_name
    return user.get_full_name() or user.get_username()
