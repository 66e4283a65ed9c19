"""API policies named in settings.REST_FRAMEWORK that DRF loads while defining its own view
classes: pagination and throttles. Kept apart from core/api.py, which imports DRF's views
and would make that import circular."""

from __future__ import annotations

from django.conf import settings
from rest_framework import pagination
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class AnonIPThrottle(AnonRateThrottle):
    """Per client IP for anonymous requests; the rate is read from settings at call time."""

    def get_rate(self) -> str:
        return str(settings.CQR_API_THROTTLE_ANON)


class UserThrottle(UserRateThrottle):
    """Per signed-in user (token or session)."""

    def get_rate(self) -> str:
        return str(settings.CQR_API_THROTTLE_USER)
