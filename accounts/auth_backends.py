"""The signed-in user's row from the shared cache instead of a query on every request.

Every page and API call with a session loads its user (`ModelBackend.get_user`: one
`SELECT ... FROM auth_user`); under load that query, compiled by the ORM each time, is a
good part of a page's CPU. `CachedModelBackend` keeps the row's column values in the
shared cache under the user's id, for USER_CACHE_SECONDS, and builds a fresh instance
from them (no permission caches travel with it: those stay per request, as before).

The cached row is dropped whenever the user is saved or deleted (password change, admin
deactivation, last_login at sign-in), right away and again once the transaction commits,
so a request that read the old row while the change was being committed cannot keep it
cached; the timeout bounds anything else (a raw UPDATE, a Redis that missed the delete).
A cache that does not answer reads as a miss (django-redis IGNORE_EXCEPTIONS): the row
then comes from the database as without this backend. The key is the user id, so one
user's row is never served to another.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

USER_CACHE_SECONDS = 60


def user_cache_key(user_id: Any) -> str:
    return f"auth-user:v1:{user_id}"


def forget_cached_user(user_id: Any) -> None:
    key = user_cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class CachedModelBackend(ModelBackend):
    """ModelBackend whose `get_user` (the per-request lookup) reads the shared cache."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        names = [field.attname for field in model._meta.concrete_fields]
        key = user_cache_key(user_id)
        values = cache.get(key)
        if isinstance(values, list) and len(values) == len(names):
            user = model.from_db(DEFAULT_DB_ALIAS, names, values)
        else:
            try:
                user = model._default_manager.get(pk=user_id)
            except model.DoesNotExist:
                return None
            cache.set(key, [getattr(user, name) for name in names], USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save / post_delete receiver for the user model."""
    if instance.pk is not None:
        forget_cached_user(instance.pk)
