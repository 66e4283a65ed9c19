"""Accounts: sign-up and profile writes."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction

from accounts.models import Profile
from catalog.models import Discipline


@transaction.atomic
def user_create(*, username: str, email: str, password: str) -> User:
    """A technologist account with an empty profile; the password is hashed, never stored."""
    user: User = get_user_model()(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    Profile.objects.create(user=user)
    return user


def profile_ensure(*, user: User | AbstractBaseUser) -> Profile:
    """The user's profile, created empty for accounts made elsewhere (admin, shell)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(
    *,
    user: User,
    full_name: str,
    arrt_id: str,
    disciplines: Iterable[Discipline],
) -> Profile:
    profile = profile_ensure(user=user)
    profile.full_name = full_name.strip()
    profile.arrt_id = arrt_id.strip()
    profile.full_clean()
    profile.save()
    profile.disciplines.set(list(disciplines))
    return profile
