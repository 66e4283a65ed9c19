"""API for the courses you added yourself (private: only you see them, only your
prescriptions use them). Every course is reached through `private_course_get_for_user`
(404 for anyone else's); writes are services of plans/private_courses.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Course, CourseFormat
from catalog.selectors import subcategory_resolve
from core.api import ApiView, error_response
from plans.private_courses import (
    MAX_ROWS,
    PrivateCourseInput,
    private_course_create,
    private_course_delete,
    private_course_update,
)
from plans.selectors.private import private_course_get_for_user, private_course_list_for_user

TAG = ["your courses"]


class DistributionRowSerializer(serializers.Serializer[Any]):
    discipline = serializers.CharField(max_length=8, help_text="Discipline code, e.g. CT.")
    category = serializers.CharField(max_length=200, help_text="Subcategory name.")
    credits = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"))


class PrivateCourseInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=300)
    provider_name = serializers.CharField(max_length=200)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    format = serializers.ChoiceField(choices=CourseFormat.choices)
    price = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal(0))
    ce_credits = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"))
    hours = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    event_date = serializers.DateField(required=False, allow_null=True)
    approval_expires = serializers.DateField(required=False, allow_null=True)
    distribution = serializers.ListField(child=DistributionRowSerializer(), max_length=MAX_ROWS)

    def validate_distribution(self, rows: list[dict[str, Any]]) -> list[Any]:
        resolved, errors = [], {}
        for i, row in enumerate(rows):
            sub = subcategory_resolve(discipline_code=row["discipline"], name=row["category"])
            if sub is None:
                errors[i] = {
                    "category": [
                        f'"{row["category"]}" is not a subcategory of discipline '
                        f"{row['discipline']} (see /api/v1/outlines/)"
                    ]
                }
            else:
                resolved.append((sub, row["credits"]))
        if errors:
            raise serializers.ValidationError([errors.get(i, {}) for i in range(len(rows))])
        return resolved

    def payload(self) -> PrivateCourseInput:
        data = self.validated_data
        return PrivateCourseInput(
            title=data["title"],
            provider_name=data["provider_name"],
            url=data.get("url") or "",
            format=data["format"],
            price=data["price"],
            ce_credits=data["ce_credits"],
            hours=data.get("hours"),
            event_date=data.get("event_date"),
            approval_expires=data.get("approval_expires"),
            distribution=tuple(data["distribution"]),
        )


class PrivateCourseOutputSerializer(serializers.Serializer[Any]):
    class RowSerializer(serializers.Serializer[Any]):
        discipline = serializers.CharField(source="subcategory.outline.discipline.code")
        category = serializers.CharField(source="subcategory.name")
        credits = serializers.DecimalField(max_digits=9, decimal_places=2)

    id = serializers.IntegerField()
    code = serializers.CharField(help_text="How plans and bundles name the course.")
    title = serializers.CharField()
    provider_name = serializers.CharField()
    url = serializers.CharField()
    format = serializers.CharField()
    price = serializers.DecimalField(max_digits=9, decimal_places=2)
    ce_credits = serializers.DecimalField(max_digits=9, decimal_places=2)
    hours = serializers.DecimalField(max_digits=9, decimal_places=2)
    event_date = serializers.DateField(allow_null=True)
    approval_expires = serializers.DateField(allow_null=True)
    added_by_you = serializers.BooleanField(source="is_private")
    distribution = RowSerializer(many=True, source="distribution.all")


def _output(course: Course, code: int = 200) -> Response:
    return Response(PrivateCourseOutputSerializer(course).data, status=code)


def _input(request: Request) -> PrivateCourseInput:
    serializer = PrivateCourseInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.payload()


class PrivateCourseListApi(ApiView):
    """The courses you added yourself, by title."""

    @extend_schema(tags=TAG, responses={200: PrivateCourseOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        courses = private_course_list_for_user(user=request.user)
        return Response(PrivateCourseOutputSerializer(courses, many=True).data)


class PrivateCourseCreateApi(ApiView):
    """Add a course you found outside the catalog; only your prescriptions consider it."""

    @extend_schema(
        tags=TAG,
        request=PrivateCourseInputSerializer,
        responses={201: PrivateCourseOutputSerializer, 400: error_response(400)},
    )
    def post(self, request: Request) -> Response:
        course = private_course_create(owner=request.user, data=_input(request))
        course = private_course_get_for_user(user=request.user, course_id=course.pk)
        return _output(course, status.HTTP_201_CREATED)


class PrivateCourseDetailApi(ApiView):
    """One course you added."""

    @extend_schema(
        tags=TAG, responses={200: PrivateCourseOutputSerializer, 404: error_response(404)}
    )
    def get(self, request: Request, private_course_id: int) -> Response:
        return _output(private_course_get_for_user(user=request.user, course_id=private_course_id))


class PrivateCourseUpdateApi(ApiView):
    """Replace a course you added (every field, the distribution included)."""

    @extend_schema(
        tags=TAG,
        request=PrivateCourseInputSerializer,
        responses={
            200: PrivateCourseOutputSerializer,
            400: error_response(400),
            404: error_response(404),
        },
    )
    def post(self, request: Request, private_course_id: int) -> Response:
        course = private_course_get_for_user(user=request.user, course_id=private_course_id)
        private_course_update(course=course, data=_input(request))
        return _output(private_course_get_for_user(user=request.user, course_id=private_course_id))


class PrivateCourseDeleteApi(ApiView):
    """Delete a course you added (refused while a chosen plan has it)."""

    @extend_schema(
        tags=TAG,
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            400: error_response(400),
            404: error_response(404),
        },
    )
    def post(self, request: Request, private_course_id: int) -> Response:
        course = private_course_get_for_user(user=request.user, course_id=private_course_id)
        private_course_delete(course=course)
        return Response(status=status.HTTP_204_NO_CONTENT)
