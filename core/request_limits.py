"""One request-size policy for every surface that takes a body (API, web forms and uploads,
the admin's CSV import), enforced before anything reads the body.

Each view names the setting that holds its limit: `@body_limit("PRESCRIPTION_UPLOAD_MAX_BYTES")`
on a function view, `body_limit_setting = "..."` on an API view class; the admin's import
views use `CQR_ADMIN_IMPORT_MAX_BYTES`; any other API view `API_BODY_MAX_BYTES` and any other
page `CQR_WEB_FORM_MAX_BYTES`. `RequestSizeLimitMiddleware` (before CSRF, which reads form
bodies) answers 413 with the limit in the message when the declared Content-Length is
larger. Django reads no more than Content-Length from the stream (a body without one reads
as empty), and the API's parsers count what they read again (core.uploads), so a body
never gets past the limit unread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core.uploads import format_size

F = TypeVar("F", bound=Callable[..., Any])

# A file upload's limit is for the file: a multipart body also carries the boundaries and
# the form's other fields.
MULTIPART_ALLOWANCE = 64 * 1024
ADMIN_IMPORT_URLS = ("_import", "_process_import")


def body_limit(setting_name: str) -> Callable[[F], F]:
    """Declare which setting holds a function view's request-size limit."""

    def decorate(view: F) -> F:
        view.body_limit_setting = setting_name  # type: ignore[attr-defined]
        return view

    return decorate


def limit_setting_for(request: HttpRequest, view_func: Callable[..., Any]) -> tuple[str, bool]:
    """The name of the setting that limits this request's body, and whether it is the
    limit of a file upload (a surface that declares its own) rather than a general one."""
    declared = getattr(view_func, "body_limit_setting", None)
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    declared = declared or getattr(view_class, "body_limit_setting", None)
    if declared:
        return str(declared), True
    match = request.resolver_match
    name = f"{match.namespace}:{match.url_name}" if match is not None else ""
    if name.startswith("admin:") and name.endswith(ADMIN_IMPORT_URLS):
        return "CQR_ADMIN_IMPORT_MAX_BYTES", True
    if request.path_info.startswith("/api/"):
        return "API_BODY_MAX_BYTES", False
    return "CQR_WEB_FORM_MAX_BYTES", False


def too_large_message(limit: int, size: int) -> str:
    return (
        f"The request is too large: the limit is {format_size(limit)} and this one is "
        f"{format_size(size)}."
    )


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0  # Django reads such a body as empty
        if size <= 0:
            return None
        setting, is_upload = limit_setting_for(request, view_func)
        limit = int(getattr(settings, setting))
        multipart = request.content_type == "multipart/form-data"
        allowance = MULTIPART_ALLOWANCE if is_upload and multipart else 0
        if size <= limit + allowance:
            return None
        message = too_large_message(limit, size)
        if request.path_info.startswith("/api/"):
            from core.api import error_payload

            return JsonResponse(error_payload("payload_too_large", message), status=413)
        html = render_to_string("413.html", {"message": message}, request)
        return HttpResponse(html, status=413)
