"""Accounts: sign-up and profile writes."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission, User
from django.core.exceptions import ImproperlyConfigured
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


# --- Provider staff permissions (added by the admin engineer; used by seed_demo/admin) --------

PROVIDER_STAFF_GROUP = "Provider staff"
PROVIDER_STAFF_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "course": ("add", "change", "delete", "view"),
    "creditdistribution": ("add", "change", "delete", "view"),
    "package": ("add", "change", "delete", "view"),
    "packageitem": ("add", "change", "delete", "view"),
    "discipline": ("view",),
    "subcategory": ("view",),
}


def provider_staff_group_ensure() -> Group:
    """The "Provider staff" group with exactly the catalog permissions staff need."""
    codenames = [
        f"{action}_{model}"
        for model, actions in PROVIDER_STAFF_PERMISSIONS.items()
        for action in actions
    ]
    permissions = list(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
    )
    missing = sorted(set(codenames) - {p.codename for p in permissions})
    if missing:
        raise ImproperlyConfigured(
            f"catalog permissions missing ({', '.join(missing)}): run `manage.py migrate` first"
        )
    group, _ = Group.objects.get_or_create(name=PROVIDER_STAFF_GROUP)
    group.permissions.set(permissions)
    return group


@transaction.atomic
def staff_grant_catalog_permissions(*, user: AbstractBaseUser) -> None:
    """Let a provider's staff member into the admin to manage their provider's catalog.

    Which provider's objects they see is decided by their ProviderMembership rows (the
    admin scopes every query by them); this only grants admin access and model permissions.
    """
    group = provider_staff_group_ensure()
    if not getattr(user, "is_staff", False):
        user.is_staff = True  # type: ignore[attr-defined]
        user.save(update_fields=["is_staff"])
    user.groups.add(group)  # type: ignore[attr-defined]
