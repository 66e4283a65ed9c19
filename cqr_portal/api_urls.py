"""REST API routes, mounted at /api/: version 1, the OpenAPI schema and its docs page.

One APIView per operation (STYLE §6.9): reads are GET on the resource, each write is a
POST to a named action (`create/`, `update/`, `retire/`, `delete/`, `choose/`, ...).
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import apis as account_apis
from catalog import apis as catalog_apis
from core.api import api_not_found
from plans import apis as prescription_apis
from plans import apis_private as private_apis
from plans import apis_runs as matching_apis

app_name = "api"

v1 = [
    # Auth
    path("auth/token/", account_apis.TokenCreateApi.as_view(), name="token_create"),
    path("auth/token/delete/", account_apis.TokenDeleteApi.as_view(), name="token_delete"),
    # Public catalog
    path("courses/", catalog_apis.CourseListApi.as_view(), name="course_list"),
    path("courses/<int:course_id>/", catalog_apis.CourseDetailApi.as_view(), name="course_detail"),
    path("outlines/", catalog_apis.OutlineListApi.as_view(), name="outline_list"),
    # Provider staff
    path(
        "provider/catalog/",
        catalog_apis.ProviderCatalogImportApi.as_view(),
        name="provider_catalog_import",
    ),
    path(
        "provider/courses/", catalog_apis.ProviderCourseListApi.as_view(), name="provider_courses"
    ),
    path(
        "provider/courses/create/",
        catalog_apis.ProviderCourseCreateApi.as_view(),
        name="provider_course_create",
    ),
    path(
        "provider/courses/<int:course_id>/",
        catalog_apis.ProviderCourseDetailApi.as_view(),
        name="provider_course_detail",
    ),
    path(
        "provider/courses/<int:course_id>/update/",
        catalog_apis.ProviderCourseUpdateApi.as_view(),
        name="provider_course_update",
    ),
    path(
        "provider/courses/<int:course_id>/retire/",
        catalog_apis.ProviderCourseRetireApi.as_view(),
        name="provider_course_retire",
    ),
    path(
        "provider/packages/",
        catalog_apis.ProviderPackageListApi.as_view(),
        name="provider_packages",
    ),
    path(
        "provider/packages/create/",
        catalog_apis.ProviderPackageCreateApi.as_view(),
        name="provider_package_create",
    ),
    path(
        "provider/packages/<int:package_id>/",
        catalog_apis.ProviderPackageDetailApi.as_view(),
        name="provider_package_detail",
    ),
    path(
        "provider/packages/<int:package_id>/update/",
        catalog_apis.ProviderPackageUpdateApi.as_view(),
        name="provider_package_update",
    ),
    path(
        "provider/packages/<int:package_id>/retire/",
        catalog_apis.ProviderPackageRetireApi.as_view(),
        name="provider_package_retire",
    ),
    # Technologists: the courses they added themselves (private)
    path("my-courses/", private_apis.PrivateCourseListApi.as_view(), name="private_course_list"),
    path(
        "my-courses/create/",
        private_apis.PrivateCourseCreateApi.as_view(),
        name="private_course_create",
    ),
    path(
        "my-courses/<int:private_course_id>/",
        private_apis.PrivateCourseDetailApi.as_view(),
        name="private_course_detail",
    ),
    path(
        "my-courses/<int:private_course_id>/update/",
        private_apis.PrivateCourseUpdateApi.as_view(),
        name="private_course_update",
    ),
    path(
        "my-courses/<int:private_course_id>/delete/",
        private_apis.PrivateCourseDeleteApi.as_view(),
        name="private_course_delete",
    ),
    # Technologists: prescriptions, runs, bundles, plans
    path(
        "prescriptions/", prescription_apis.PrescriptionListApi.as_view(), name="prescription_list"
    ),
    path(
        "prescriptions/parse/",
        prescription_apis.PrescriptionParseApi.as_view(),
        name="prescription_parse",
    ),
    path(
        "prescriptions/create/",
        prescription_apis.PrescriptionCreateApi.as_view(),
        name="prescription_create",
    ),
    path(
        "prescriptions/<int:prescription_id>/",
        prescription_apis.PrescriptionDetailApi.as_view(),
        name="prescription_detail",
    ),
    path(
        "prescriptions/<int:prescription_id>/delete/",
        prescription_apis.PrescriptionDeleteApi.as_view(),
        name="prescription_delete",
    ),
    path(
        "prescriptions/<int:prescription_id>/runs/create/",
        matching_apis.RunCreateApi.as_view(),
        name="run_create",
    ),
    path(
        "prescriptions/<int:prescription_id>/bundles/",
        matching_apis.PrescriptionBundlesApi.as_view(),
        name="prescription_bundles",
    ),
    path(
        "prescriptions/<int:prescription_id>/plan/",
        prescription_apis.PlanDetailApi.as_view(),
        name="plan_detail",
    ),
    path(
        "prescriptions/<int:prescription_id>/plan/choose/",
        prescription_apis.PlanChooseApi.as_view(),
        name="plan_choose",
    ),
    path(
        "prescriptions/<int:prescription_id>/plan/replan/",
        prescription_apis.PlanReplanApi.as_view(),
        name="plan_replan",
    ),
    path(
        "prescriptions/<int:prescription_id>/plan/items/<int:item_id>/done/",
        prescription_apis.PlanItemDoneApi.as_view(),
        name="plan_item_done",
    ),
    path(
        "prescriptions/<int:prescription_id>/plan/items/<int:item_id>/undo/",
        prescription_apis.PlanItemUndoApi.as_view(),
        name="plan_item_undo",
    ),
    path("runs/<int:run_id>/", matching_apis.RunDetailApi.as_view(), name="run_detail"),
    path("runs/<int:run_id>/bundles/", matching_apis.RunBundlesApi.as_view(), name="run_bundles"),
]

# Swagger UI renders with inline style attributes; scripts stay 'self' only on this page too.
docs_view = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema")
)

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs_view, name="docs"),
    # Anything else under /api/ answers 404 in the API's error format.
    re_path(r"^[\s\S]*$", api_not_found, name="not_found"),  # any path, newlines too
]
