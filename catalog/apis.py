"""Catalog API: public course search and outlines; provider staff manage their catalog.

Provider staff writes all go through `catalog_import` (a one-record `cqr-catalog/1`
document for a single course or package), so the API, the admin and `import_catalog`
apply the same rules and report the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.filters import CourseFilter
from catalog.models import Course, Package, Provider
from catalog.selectors import (
    course_get_for_staff,
    course_list_for_staff,
    course_list_public,
    outline_list_public,
    package_get_for_staff,
    package_list_for_staff,
    provider_list_for_staff,
)
from catalog.serializers import (
    CatalogDocumentSerializer,
    CourseFieldsSerializer,
    CourseOutputSerializer,
    ImportSummarySerializer,
    PackageFieldsSerializer,
    StaffCourseOutputSerializer,
    StaffPackageOutputSerializer,
    course_record,
    course_record_from_input,
    package_record,
    package_record_from_input,
)
from catalog.services import (
    FORMAT_TAG,
    CatalogImportError,
    catalog_import,
    catalog_parse,
    catalog_provider_codes,
)
from core.api import (
    ApiView,
    PageNumberPagination,
    QueryFormatIsAFilter,
    error_response,
    paginated_response,
    reject_bad_text,
)
from core.exceptions import ErrorDetail
from core.uploads import read_upload_limited

PROVIDER_TAG = ["provider catalog"]
PUBLIC_TAG = ["public catalog"]

EXAMPLE_COURSE = {
    "title": "Contrast Media in CT",
    "format": "online",
    "price": "19.00",
    "ce_credits": "1.5",
    "approval_expires": "2028-06-30",
    "url": "https://example.org/c/2",
    "distribution": [
        {"discipline": "CT", "category": "Patient Interactions and Management", "credits": "1.0"},
        {"discipline": "CT", "category": "Image Formation", "credits": "0.5"},
    ],
}
EXAMPLE_CATALOG = {
    "format": "cqr-catalog/1",
    "providers": [
        {"code": "ahec", "name": "Advanced Health Education Center", "url": "https://example.org"}
    ],
    "courses": [
        {
            "code": "ahec-ct-dose",
            "provider": "ahec",
            "title": "CT Dose in Practice",
            "format": "online",
            "price": "24.00",
            "ce_credits": "2.0",
            "hours": "2.0",
            "approval_expires": "2028-01-31",
            "event_date": None,
            "url": "https://example.org/c/1",
            "distribution": [
                {"discipline": "CT", "category": "Radiation Safety and Dose", "credits": "1.5"},
                {"discipline": "CT", "category": "Image Formation", "credits": "0.5"},
            ],
        },
        {"code": "ahec-ct-contrast", "provider": "ahec", **EXAMPLE_COURSE},
    ],
    "packages": [
        {
            "code": "ahec-ct-pack",
            "provider": "ahec",
            "title": "CT CQR pack",
            "price": "39.00",
            "courses": ["ahec-ct-dose", "ahec-ct-contrast"],
        }
    ],
}


# --- Public -------------------------------------------------------------------------------


class CourseListApi(ApiView):
    """Search the public catalog: active courses with their credit distribution."""

    permission_classes = [AllowAny]
    pagination_class = PageNumberPagination
    content_negotiation_class = QueryFormatIsAFilter  # ?format= filters the course format
    filter_backends = [DjangoFilterBackend]
    filterset_class = CourseFilter
    queryset = Course.objects.none()  # lets the schema generator type the filters

    @extend_schema(
        tags=PUBLIC_TAG,
        responses={200: CourseOutputSerializer(many=True), 400: error_response(400)},
    )
    def get(self, request: Request) -> Response:
        courses = DjangoFilterBackend().filter_queryset(request, course_list_public(), self)
        return paginated_response(
            request=request, view=self, queryset=courses, serializer_class=CourseOutputSerializer
        )


class CourseDetailApi(ApiView):
    """One active course of the public catalog."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=PUBLIC_TAG,
        responses={200: CourseOutputSerializer, 404: error_response(404)},
    )
    def get(self, request: Request, course_id: int) -> Response:
        course = get_object_or_404(course_list_public(), pk=course_id)
        return Response(CourseOutputSerializer(course).data)


class OutlineListApi(ApiView):
    """Every discipline's current content outline: the subcategory names that prescriptions
    (`required[].category`) and course distributions use."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer[Any]):
        class MajorSerializer(serializers.Serializer[Any]):
            class SubcategorySerializer(serializers.Serializer[Any]):
                id = serializers.IntegerField()
                name = serializers.CharField()
                aliases = serializers.SerializerMethodField()

                def get_aliases(self, sub: Any) -> list[str]:
                    return [alias.alias for alias in sub.aliases.all()]

            name = serializers.CharField()
            subcategories = SubcategorySerializer(many=True, source="subcategories.all")

        discipline = serializers.CharField(source="discipline.code")
        discipline_name = serializers.CharField(source="discipline.name")
        version = serializers.CharField()
        confirmed = serializers.BooleanField(
            help_text="False: the outline comes from a secondary source; check with ARRT."
        )
        source = serializers.CharField()  # type: ignore[assignment]
        majors = MajorSerializer(many=True, source="majors.all")

    @extend_schema(tags=PUBLIC_TAG, responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(outline_list_public(), many=True).data)


# --- Provider staff ---------------------------------------------------------------------


class IsProviderStaff(BasePermission):
    """Signed in and staff of at least one provider (a ProviderMembership)."""

    message = "Only provider staff (members of a provider) can manage catalogs."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and provider_list_for_staff(user=user).exists())


def _own_provider(request: Request, code: str | None) -> Provider:
    """The provider a new record belongs to: `code`, or the user's only provider."""
    providers = list(provider_list_for_staff(user=request.user))
    if code is None:
        if len(providers) == 1:
            return providers[0]
        codes = ", ".join(p.code for p in providers)
        raise serializers.ValidationError(
            {"provider": f"you are staff of several providers ({codes}); name one"}
        )
    for provider in providers:
        if provider.code == code:
            return provider
    raise PermissionDenied(f'You are not staff of provider "{code}".')


def _new_record_provider(
    request: Request, data: dict[str, Any], model: type[Course] | type[Package]
) -> Provider:
    """The provider a new course or package goes to (see `_own_provider`); a code that
    provider already uses for that kind of record is a 400 naming it."""
    provider = _own_provider(request, data.get("provider"))
    if model.objects.filter(provider=provider, code=data["code"]).exists():
        kind = model._meta.verbose_name
        raise serializers.ValidationError(
            {"code": f'provider "{provider.code}" already has a {kind} "{data["code"]}"'}
        )
    return provider


def _import_records(
    request: Request,
    *,
    courses: Sequence[dict[str, Any]] = (),
    packages: Sequence[dict[str, Any]] = (),
) -> None:
    """Write records through the catalog import (CatalogImportError -> 400)."""
    document = {"format": FORMAT_TAG, "courses": list(courses), "packages": list(packages)}
    catalog_import(document=document, source=f"api by {request.user.get_username()}")


PROVIDER_QUERY = OpenApiParameter(
    "provider", str, description="Only this provider's records (one of yours)."
)


# The key of a new course or package: its code, and its provider if you staff several.
# (No docstring: the create APIs' input schemas would inherit it as their description.)
class NewRecordKeySerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=100)
    provider = serializers.SlugField(
        max_length=60, required=False, help_text="Needed only if you staff several."
    )


def _record_write_responses(output: type[serializers.Serializer[Any]]) -> dict[int, Any]:
    """The answers of a write to one of your records: the record, a 400 or a 404."""
    return {200: output, 400: error_response(400), 404: error_response(404)}


def _staff_list_page(
    view: APIView,
    request: Request,
    list_for_staff: Callable[..., QuerySet[Any]],
    serializer_class: type[serializers.Serializer[Any]],
) -> Response:
    """One page of the user's providers' records, or only those of `?provider=`."""
    records = list_for_staff(
        user=request.user, provider_code=request.query_params.get("provider") or None
    )
    return paginated_response(
        request=request, view=view, queryset=records, serializer_class=serializer_class
    )


class ProviderCourseListApi(ApiView):
    """Your providers' courses (retired ones too) with distribution rows and packages."""

    permission_classes = [IsProviderStaff]
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=PROVIDER_TAG,
        parameters=[PROVIDER_QUERY],
        responses={200: StaffCourseOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return _staff_list_page(self, request, course_list_for_staff, StaffCourseOutputSerializer)


class ProviderCourseCreateApi(ApiView):
    """Add a course to one of your providers (same rules as the catalog import)."""

    permission_classes = [IsProviderStaff]

    class InputSerializer(CourseFieldsSerializer, NewRecordKeySerializer):
        pass

    @extend_schema(
        tags=PROVIDER_TAG,
        request=InputSerializer,
        responses={201: StaffCourseOutputSerializer, 400: error_response(400)},
        examples=[
            OpenApiExample(
                "A course",
                value={"code": "ahec-ct-contrast", **EXAMPLE_COURSE},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = _validated(self.InputSerializer, request)
        provider = _new_record_provider(request, data, Course)
        record = course_record_from_input(data, code=data["code"], provider=provider.code)
        _import_records(request, courses=[record])
        course = course_list_for_staff(user=request.user).get(provider=provider, code=data["code"])
        return Response(StaffCourseOutputSerializer(course).data, status=status.HTTP_201_CREATED)


class ProviderCourseDetailApi(ApiView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        tags=PROVIDER_TAG,
        responses={200: StaffCourseOutputSerializer, 404: error_response(404)},
    )
    def get(self, request: Request, course_id: int) -> Response:
        course = course_get_for_staff(user=request.user, course_id=course_id)
        return Response(StaffCourseOutputSerializer(course).data)


class ProviderCourseUpdateApi(ApiView):
    """Replace a course's fields and distribution (its code and provider stay)."""

    permission_classes = [IsProviderStaff]

    class InputSerializer(CourseFieldsSerializer):
        is_active = serializers.BooleanField(
            required=False, help_text="Omit to keep; true reactivates a retired course."
        )

    @extend_schema(
        tags=PROVIDER_TAG,
        request=InputSerializer,
        responses=_record_write_responses(StaffCourseOutputSerializer),
        examples=[OpenApiExample("New price", value=EXAMPLE_COURSE, request_only=True)],
    )
    def post(self, request: Request, course_id: int) -> Response:
        course = course_get_for_staff(user=request.user, course_id=course_id)
        data = _validated(self.InputSerializer, request)
        record = course_record_from_input(
            data, code=course.code, provider=course.provider_code_label
        )
        _import_records(request, courses=[record])
        course = course_get_for_staff(user=request.user, course_id=course_id)
        return Response(StaffCourseOutputSerializer(course).data)


class ProviderCourseRetireApi(ApiView):
    """Retire a course: it leaves the public catalog and new plans (is_active false)."""

    permission_classes = [IsProviderStaff]

    @extend_schema(
        tags=PROVIDER_TAG,
        request=None,
        responses=_record_write_responses(StaffCourseOutputSerializer),
    )
    def post(self, request: Request, course_id: int) -> Response:
        course = course_get_for_staff(user=request.user, course_id=course_id)
        _import_records(request, courses=[course_record(course, is_active=False)])
        course = course_get_for_staff(user=request.user, course_id=course_id)
        return Response(StaffCourseOutputSerializer(course).data)


class ProviderPackageListApi(ApiView):
    """Your providers' packages (retired ones too) with their member course codes."""

    permission_classes = [IsProviderStaff]
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=PROVIDER_TAG,
        parameters=[PROVIDER_QUERY],
        responses={200: StaffPackageOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return _staff_list_page(self, request, package_list_for_staff, StaffPackageOutputSerializer)


class ProviderPackageCreateApi(ApiView):
    permission_classes = [IsProviderStaff]

    class InputSerializer(PackageFieldsSerializer, NewRecordKeySerializer):
        pass

    @extend_schema(
        tags=PROVIDER_TAG,
        request=InputSerializer,
        responses={201: StaffPackageOutputSerializer, 400: error_response(400)},
        examples=[
            OpenApiExample(
                "A package",
                value={
                    "code": "ahec-ct-bundle",
                    "title": "CT essentials",
                    "price": "40.00",
                    "courses": ["ahec-ct-dose", "ahec-ct-image"],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = _validated(self.InputSerializer, request)
        provider = _new_record_provider(request, data, Package)
        record = package_record_from_input(data, code=data["code"], provider=provider.code)
        _import_records(request, packages=[record])
        package = package_list_for_staff(user=request.user).get(
            provider=provider, code=data["code"]
        )
        return Response(StaffPackageOutputSerializer(package).data, status=201)


class ProviderPackageDetailApi(ApiView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        tags=PROVIDER_TAG,
        responses={200: StaffPackageOutputSerializer, 404: error_response(404)},
    )
    def get(self, request: Request, package_id: int) -> Response:
        package = package_get_for_staff(user=request.user, package_id=package_id)
        return Response(StaffPackageOutputSerializer(package).data)


class ProviderPackageUpdateApi(ApiView):
    permission_classes = [IsProviderStaff]

    class InputSerializer(PackageFieldsSerializer):
        is_active = serializers.BooleanField(required=False)

    @extend_schema(
        tags=PROVIDER_TAG,
        request=InputSerializer,
        responses=_record_write_responses(StaffPackageOutputSerializer),
    )
    def post(self, request: Request, package_id: int) -> Response:
        package = package_get_for_staff(user=request.user, package_id=package_id)
        data = _validated(self.InputSerializer, request)
        record = package_record_from_input(data, code=package.code, provider=package.provider.code)
        _import_records(request, packages=[record])
        package = package_get_for_staff(user=request.user, package_id=package_id)
        return Response(StaffPackageOutputSerializer(package).data)


class ProviderPackageRetireApi(ApiView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        tags=PROVIDER_TAG,
        request=None,
        responses=_record_write_responses(StaffPackageOutputSerializer),
    )
    def post(self, request: Request, package_id: int) -> Response:
        package = package_get_for_staff(user=request.user, package_id=package_id)
        _import_records(request, packages=[package_record(package, is_active=False)])
        package = package_get_for_staff(user=request.user, package_id=package_id)
        return Response(StaffPackageOutputSerializer(package).data)


class CatalogDocumentParser(BaseParser):
    """The raw body, size-limited, decoded by the catalog import's own JSON reader
    (amounts as exact decimals; malformed JSON reported like `import_catalog` does)."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = read_upload_limited(stream, settings.CATALOG_UPLOAD_MAX_BYTES)
        document = catalog_parse(raw)
        reject_bad_text(document)
        return document


class ProviderCatalogImportApi(ApiView):
    """Import a whole `cqr-catalog/1` document for your providers, all or nothing.

    Same validation and upsert as `manage.py import_catalog`: every record is checked
    before anything is written, and any error rejects the whole document. Every provider
    the document names must be one you are staff of (403 otherwise, nothing written), and
    only site administrators may change content `outlines`.
    """

    permission_classes = [IsProviderStaff]
    parser_classes = [CatalogDocumentParser]
    body_limit_setting = "CATALOG_UPLOAD_MAX_BYTES"

    @extend_schema(
        tags=PROVIDER_TAG,
        request=CatalogDocumentSerializer,
        responses={200: ImportSummarySerializer, 400: error_response(400)},
        examples=[OpenApiExample("A catalog", value=EXAMPLE_CATALOG, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        document = request.data
        if not isinstance(document, dict):
            raise CatalogImportError([ErrorDetail("", "", "the catalog must be a JSON object")])
        _check_document_providers(request, document)
        summary = catalog_import(document=document, source=f"api by {request.user.get_username()}")
        return Response(ImportSummarySerializer(summary).data)


def _check_document_providers(request: Request, document: dict[str, Any]) -> None:
    """Refuse (403) a document that names a provider the user is not staff of, or that
    changes outlines without being a site administrator."""
    if document.get("outlines") and not request.user.is_superuser:
        raise PermissionDenied(
            "Only site administrators may change content outlines; remove the "
            '"outlines" section (courses name subcategories of the current outlines).'
        )
    mine = set(provider_list_for_staff(user=request.user).values_list("code", flat=True))
    foreign = sorted(catalog_provider_codes(document) - mine)
    if foreign:
        raise PermissionDenied(
            f"The document names providers you are not staff of: {', '.join(foreign)}. "
            "Nothing was imported."
        )


def _validated(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
