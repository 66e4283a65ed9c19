"""Shared pieces of the REST API: the one error format, pagination, throttles, body limits
and the schema class that documents them.

Every API error, whatever raised it (DRF, a 404 from an access helper, a service's
validation error, a bug), reaches the client as::

    {"error": {"code": "validation_error", "message": "...",
               "details": [{"field": "courses.3.price", "message": "..."}]}}

A rejected import or prescription document (an InputError) names the record too, as data:
`{"record": "courses[3] (code \"ct-101\")", "field": "price", "message": "courses[3]
(code \"ct-101\"): price: must not be negative, not -5"}` (the message is the whole text).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from core.api_policies import AnonIPThrottle, PageNumberPagination, UserThrottle
from core.exceptions import InputError, StateChanged
from core.jsontext import JSONTextError, character_problem, dotted_path, json_loads, text_problem
from core.uploads import read_upload_limited

logger = logging.getLogger(__name__)

_BAD_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

__all__ = ["AnonIPThrottle", "PageNumberPagination", "UserThrottle"]  # re-exported policies

# --- The error format ---------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(
        allow_null=True,
        help_text="Where the problem is (dotted path), or null for the request; with "
        "`record`, the field of that record (`price`, `distribution[0].category`), or null "
        "for the whole record.",
    )
    record = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="For a rejected document (catalog import, prescription): the record the "
        'problem is in (`courses[3] (code "ct-101")`, `required[2]`), or null for the '
        "document as a whole.",
    )
    message = serializers.CharField()


class ErrorBodySerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. not_found.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    details = ErrorDetailSerializer(many=True)


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every API error response."""

    error = ErrorBodySerializer()


def error_payload(
    code: str, message: str, details: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": list(details)}}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    """The request is valid but the resource is not in a state that allows it (yet)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource is not in a state that allows this request."
    default_code = "conflict"


def flatten_details(detail: Any, path: str | None = None) -> list[dict[str, Any]]:
    """DRF/Django/service error structures -> [{"field": "a.0.b" | None, "message": str}]."""
    if isinstance(detail, Mapping):
        rows: list[dict[str, Any]] = []
        for key, value in detail.items():
            field = None if key in ("non_field_errors", "__all__") else str(key)
            rows += flatten_details(value, _join(path, field))
        return rows
    if isinstance(detail, DjangoValidationError):
        if hasattr(detail, "error_dict"):
            return flatten_details(detail.message_dict, path)
        return [{"field": path, "message": message} for message in detail.messages]
    if isinstance(detail, str):
        return [{"field": path, "message": str(detail)}]
    if isinstance(detail, Sequence):
        rows = []
        nested = any(isinstance(item, Mapping | list) for item in detail)
        for index, item in enumerate(detail):
            if nested and isinstance(item, Mapping | list):
                rows += flatten_details(item, _join(path, str(index)))
            else:
                rows += flatten_details(item, path)
        return rows
    return [{"field": path, "message": str(detail)}]


def input_error_details(exc: InputError) -> list[dict[str, Any]]:
    """An InputError's details as rows of the error format, record and field as data."""
    if not exc.details:
        return [{"field": None, "record": None, "message": str(exc)}]
    return [
        {"field": d.field or None, "record": d.record or None, "message": d.as_text()}
        for d in exc.details
    ]


def _join(path: str | None, key: str | None) -> str | None:
    if key is None:
        return path
    return key if path is None else f"{path}.{key}"


def api_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every exception -> the one error format."""
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, StateChanged):
        set_rollback()
        return Response(error_payload(exc.code, str(exc)), status=exc.status)

    if isinstance(exc, InputError):
        details = input_error_details(exc)
        message = "; ".join(row["message"] for row in details[:3])
        if len(details) > 3:
            message += f" (and {len(details) - 3} more)"
        body = error_payload("validation_error", message or "The input is invalid.", details)
        set_rollback()
        return Response(body, status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == "upload_too_large":
            exc = PayloadTooLarge(exc.messages[0])
        else:
            details = flatten_details(exc)
            message = details[0]["message"] if len(details) == 1 else "The input is invalid."
            set_rollback()
            return Response(error_payload("validation_error", message, details), status=400)

    if isinstance(exc, exceptions.ValidationError):
        details = flatten_details(exc.detail)
        message = details[0]["message"] if len(details) == 1 else "The input is invalid."
        if details and details[0]["field"] and len(details) == 1:
            message = f"{details[0]['field']}: {message}"
        set_rollback()
        return Response(error_payload("validation_error", message, details), status=400)

    if isinstance(exc, exceptions.APIException):
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = f"{int(wait)}"
        detail = exc.detail
        if isinstance(detail, list | dict):
            details = flatten_details(detail)
            message = str(details[0]["message"] if details else exc.default_detail)
        else:
            details, message = [], str(detail)
        code = str(getattr(detail, "code", None) or exc.default_code)
        set_rollback()
        return Response(
            error_payload(code, str(message), details), status=exc.status_code, headers=headers
        )

    # Anything else is a bug: log it with its traceback and answer in the same format.
    request = context.get("request")
    logger.error(
        "Unhandled API error on %s",
        getattr(request, "path", "?"),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    set_rollback()
    return Response(
        error_payload("server_error", "Something went wrong on our side; please try again."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


@csrf_exempt  # it changes nothing; a POST to a wrong path must get this 404, not a CSRF page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all for unknown /api/ paths, so they answer in the API's error format."""
    message = f"No API endpoint at {request.path}."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:  # pragma: no cover - the catch-all matches everything
            match = None
        if match is not None and match.func is not api_not_found:
            message += f" Did you mean {request.path}/ (with the trailing slash)?"
    return JsonResponse(error_payload("not_found", message), status=404)


# --- Fields -------------------------------------------------------------------------------

AMOUNT_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string", "pattern": AMOUNT_PATTERN}],
        "description": 'An exact amount with at most 2 decimal places: 1.5 or "1.50".',
    }
)
class AmountField(serializers.Field):
    """Documents the exchange formats' amounts (JSON number or decimal string); the
    documents' own readers validate the value."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


# --- Pagination -----------------------------------------------------------------------------


def paginated_response(
    *,
    request: Request,
    view: APIView,
    queryset: QuerySet[Any] | Sequence[Any],
    serializer_class: type[serializers.BaseSerializer[Any]],
    context: Mapping[str, Any] | None = None,
) -> Response:
    """One page of `queryset` serialised with `serializer_class`, with count/next/previous."""
    paginator_class = getattr(view, "pagination_class", None) or PageNumberPagination
    paginator = paginator_class()
    page = paginator.paginate_queryset(queryset, request, view=view)  # type: ignore[arg-type]
    serializer = serializer_class(page, many=True, context={"request": request, **(context or {})})
    return paginator.get_paginated_response(serializer.data)


# --- Request body limits --------------------------------------------------------------------


class LimitedJSONParser(JSONParser):
    """JSON bodies, refused with 413 once larger than the limit in the view's
    `body_limit_setting` (default settings.API_BODY_MAX_BYTES), counted by the shared
    upload helper while reading (core.request_limits refuses a declared oversize earlier)."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        view = (parser_context or {}).get("view")
        setting = getattr(view, "body_limit_setting", None) or "API_BODY_MAX_BYTES"
        limit = int(getattr(settings, setting))
        try:
            raw = read_upload_limited(stream, limit)
        except DjangoValidationError as exc:
            raise PayloadTooLarge(exc.messages[0]) from exc
        try:
            text = raw.decode("utf-8-sig")
            # Amounts stay exact: JSON numbers with a fraction become Decimal, never float.
            data = json_loads(text, parse_float=Decimal, parse_constant=_reject_constant)
        except JSONTextError as exc:
            raise exceptions.ValidationError({dotted_path(exc.path): [exc.message]}) from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from exc
        reject_bad_text(data)
        return data


def reject_bad_text(data: Any) -> None:
    """Raise a 400 naming the first text value (or key) with a character no field of ours
    allows (NUL, control characters, lone surrogates) or nesting past the limit: checked
    before any query, which would fail on them (a 500 otherwise)."""
    problem = text_problem(data, dotted=True)
    if problem is not None:
        path, message = problem
        raise exceptions.ValidationError({"body" if path == "document" else path: [message]})


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a valid JSON number")


class _NoUrlFormatOverride:
    URL_FORMAT_OVERRIDE = None


class QueryFormatIsAFilter(DefaultContentNegotiation):
    """Content negotiation for views with a `format` query filter (course format), which
    DRF would otherwise read as the response format (`?format=json`)."""

    settings = _NoUrlFormatOverride  # type: ignore[assignment]


class ApiView(APIView):
    """Base for every API view: the size-limited JSON parser, the shared pagination, and
    query parameters free of characters no field allows (NUL, control characters, lone
    surrogates)."""

    parser_classes = [LimitedJSONParser]
    pagination_class: type[PageNumberPagination] | None = None
    body_limit_setting: str | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        for name, values in request.query_params.lists():
            for text in (name, *values):
                problem = character_problem(text)
                if problem:
                    where = _BAD_CHARACTERS.sub("", name) or "query"
                    raise exceptions.ValidationError({where: [problem]})


# --- Schema -----------------------------------------------------------------------------


ERROR_DESCRIPTIONS = {
    "400": "The input is invalid; details name each field.",
    "401": "Not authenticated (or an invalid token): send `Authorization: Token <key>`.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object, or it is not yours (for a list: no such page).",
    "409": "The object is not in a state that allows this yet.",
    "413": "The request body is larger than the limit.",
    "415": "Send the body as application/json.",
    "429": "Too many requests; retry after the number of seconds in Retry-After.",
}


def error_response(code: int, description: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorSerializer, description=description or ERROR_DESCRIPTIONS[str(code)]
    )


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema with our conventions:

    - operation ids come from the view class (`CourseListApi` -> `course_list`), and nested
      `InputSerializer`/`OutputSerializer` classes get unique component names from their
      API class (`CourseListApi.OutputSerializer` -> `CourseListOutput`);
    - errors every operation can return (401/403 when authentication is required, 413/415
      with a body, 429 always) are documented with the error format.
    """

    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        cls = type(serializer)
        parts = cls.__qualname__.split(".")
        if len(parts) > 1 and "<locals>" not in parts:
            cleaned = [p.removesuffix("Serializer").removesuffix("Api") for p in parts]
            return "".join(cleaned)
        return str(super().get_serializer_name(serializer, direction))

    def get_operation_id(self) -> str:
        """`PrescriptionCreateApi` -> `prescription_create` (one view per operation)."""
        name = type(self.view).__name__.removesuffix("Api")
        if name == type(self.view).__name__:
            return str(super().get_operation_id())
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses: dict[str, Any] = operation.setdefault("responses", {})
        extra = ["429"]
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            extra += ["401", "403"]
        elif self.view.get_authenticators():
            extra += ["401"]  # a public endpoint still refuses an invalid token
        if "requestBody" in operation:
            extra += ["400", "413", "415"]
        if any(p.get("name") == "page" for p in operation.get("parameters", [])):
            extra += ["400", "404"]  # a bad filter value; a page past the end
        for code in extra:
            if code not in responses:
                responses[code] = self._get_response_for_code(error_response(int(code)), code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation
