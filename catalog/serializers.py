"""Serializers shared by the catalog APIs: course and package output, and the records of a
`cqr-catalog/1` document (input shape and how a stored course becomes one)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from catalog.importers.export import amount_text, date_text
from catalog.models import Course, CourseFormat, Package

# --- Output -----------------------------------------------------------------------------


class ProviderRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()


class DistributionOutputSerializer(serializers.Serializer[Any]):
    discipline = serializers.CharField(source="subcategory.outline.discipline.code")
    major = serializers.CharField(source="subcategory.major.name")
    category = serializers.CharField(source="subcategory.name")
    subcategory_id = serializers.IntegerField()
    credits = serializers.DecimalField(max_digits=9, decimal_places=2)


class PackageRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    price = serializers.DecimalField(max_digits=9, decimal_places=2)


class CourseOutputSerializer(serializers.Serializer[Any]):
    """A course as the public search shows it, with its ARRT credit distribution."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    provider = ProviderRefSerializer()
    title = serializers.CharField()
    format = serializers.ChoiceField(choices=CourseFormat.choices)
    price = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        allow_null=True,
        help_text="Null: sold only inside packages.",
    )
    ce_credits = serializers.DecimalField(max_digits=9, decimal_places=2)
    hours = serializers.DecimalField(max_digits=9, decimal_places=2)
    approval_expires = serializers.DateField(allow_null=True)
    event_date = serializers.DateField(allow_null=True)
    url = serializers.CharField()
    arrt_activity_id = serializers.CharField()
    cqr_eligible = serializers.BooleanField()
    tags = serializers.ListField(
        child=serializers.CharField(), help_text="Topic and approval tags, e.g. hiv-aids."
    )
    distribution = DistributionOutputSerializer(many=True, source="distribution.all")
    packages = PackageRefSerializer(
        many=True, source="active_packages", help_text="Active packages that include it."
    )


class StaffCourseOutputSerializer(CourseOutputSerializer):
    """A course as its provider's staff see it (retired ones too)."""

    is_active = serializers.BooleanField(help_text="False once retired.")
    packages = PackageRefSerializer(many=True, source="all_packages")
    updated_at = serializers.DateTimeField()


class StaffPackageOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    provider = ProviderRefSerializer()
    title = serializers.CharField()
    price = serializers.DecimalField(max_digits=9, decimal_places=2)
    is_active = serializers.BooleanField()
    courses = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_courses(self, package: Package) -> list[str]:
        return sorted(course.code for course in package.courses.all())


class ImportSummarySerializer(serializers.Serializer[Any]):
    """What a catalog import did (an unchanged record is not rewritten)."""

    courses_created = serializers.IntegerField()
    courses_updated = serializers.IntegerField()
    courses_unchanged = serializers.IntegerField()
    packages_created = serializers.IntegerField()
    packages_updated = serializers.IntegerField()
    packages_unchanged = serializers.IntegerField()
    providers_created = serializers.IntegerField()
    providers_updated = serializers.IntegerField()
    outlines_created = serializers.IntegerField()
    outlines_updated = serializers.IntegerField()
    revision_id = serializers.IntegerField(
        allow_null=True, help_text="The catalog revision recorded, null when nothing changed."
    )


# --- `cqr-catalog/1` records (input) -----------------------------------------------------


class DistributionRecordSerializer(serializers.Serializer[Any]):
    discipline = serializers.CharField(max_length=8, help_text="Discipline code, e.g. CT.")
    category = serializers.CharField(max_length=200, help_text="Subcategory name.")
    credits = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"))


class CourseFieldsSerializer(serializers.Serializer[Any]):
    """A course record's fields other than its key (code, provider)."""

    title = serializers.CharField(max_length=300)
    format = serializers.ChoiceField(choices=CourseFormat.choices)
    price = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=Decimal(0),
        allow_null=True,
        help_text="Null: sold only inside packages.",
    )
    ce_credits = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0.01"))
    hours = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text="Default: ce_credits × 50 / 60.",
    )
    approval_expires = serializers.DateField(required=False, allow_null=True)
    event_date = serializers.DateField(
        required=False, allow_null=True, help_text="Only for webinar and live courses."
    )
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    arrt_activity_id = serializers.CharField(max_length=60, required=False, allow_blank=True)
    cqr_eligible = serializers.BooleanField(required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50, trim_whitespace=False),
        required=False,
        help_text="Lower-case topic/approval tags (e.g. hiv-aids); absent: unchanged.",
    )
    distribution = DistributionRecordSerializer(many=True)


class CourseRecordSerializer(CourseFieldsSerializer):
    code = serializers.CharField(max_length=100)
    provider = serializers.SlugField(max_length=60)
    is_active = serializers.BooleanField(required=False)


class PackageFieldsSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=300)
    price = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal(0))
    courses = serializers.ListField(
        child=serializers.CharField(max_length=100), help_text="Codes of the member courses."
    )


class PackageRecordSerializer(PackageFieldsSerializer):
    code = serializers.CharField(max_length=100)
    provider = serializers.SlugField(max_length=60)
    is_active = serializers.BooleanField(required=False)


class OutlineCategorySerializer(serializers.Serializer[Any]):
    major = serializers.CharField()
    name = serializers.CharField()


class OutlineRecordSerializer(serializers.Serializer[Any]):
    discipline = serializers.CharField()
    name = serializers.CharField()
    version = serializers.CharField()
    categories = OutlineCategorySerializer(many=True)


class ProviderRecordSerializer(serializers.Serializer[Any]):
    code = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=200, required=False)
    url = serializers.URLField(max_length=200, required=False)


class CatalogDocumentSerializer(serializers.Serializer[Any]):
    """A `cqr-catalog/1` document (docs/exchange-format.md §1). Documents the request body;
    the document itself is validated by the catalog import, all or nothing."""

    format = serializers.ChoiceField(choices=[("cqr-catalog/1", "cqr-catalog/1")])
    outlines = OutlineRecordSerializer(many=True, required=False)
    providers = ProviderRecordSerializer(many=True, required=False)
    courses = CourseRecordSerializer(many=True, required=False)
    packages = PackageRecordSerializer(many=True, required=False)


def _text(value: Any) -> Any:
    return amount_text(value) if value is not None else None


def course_record(course: Course, **overrides: Any) -> dict[str, Any]:
    """The `cqr-catalog/1` record of a stored course (distribution prefetched or not)."""
    record: dict[str, Any] = {
        "code": course.code,
        "provider": course.provider_code_label,
        "title": course.title,
        "format": course.format,
        "price": _text(course.price),
        "ce_credits": _text(course.ce_credits),
        "hours": _text(course.hours),
        "approval_expires": date_text(course.approval_expires),
        "event_date": date_text(course.event_date),
        "url": course.url,
        "arrt_activity_id": course.arrt_activity_id,
        "cqr_eligible": course.cqr_eligible,
        "is_active": course.is_active,
        "tags": list(course.tags or []),
        "distribution": [
            {
                "discipline": row.subcategory.outline.discipline.code,
                "category": row.subcategory.name,
                "credits": _text(row.credits),
            }
            for row in course.distribution.all()
        ],
    }
    record.update(overrides)
    return record


def course_record_from_input(data: dict[str, Any], *, code: str, provider: str) -> dict[str, Any]:
    """Validated API input -> a `cqr-catalog/1` course record (amounts as decimal strings)."""
    record: dict[str, Any] = {"code": code, "provider": provider}
    for name, value in data.items():
        if name == "distribution":
            record[name] = [
                {
                    "discipline": row["discipline"],
                    "category": row["category"],
                    "credits": _text(row["credits"]),
                }
                for row in value
            ]
        elif name in ("price", "ce_credits", "hours"):
            record[name] = _text(value)
        elif name in ("approval_expires", "event_date"):
            record[name] = date_text(value)
        elif name not in ("code", "provider"):
            record[name] = value
    return record


def package_record(package: Package, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "code": package.code,
        "provider": package.provider.code,
        "title": package.title,
        "price": _text(package.price),
        "is_active": package.is_active,
        "courses": sorted(course.code for course in package.courses.all()),
    }
    record.update(overrides)
    return record


def package_record_from_input(data: dict[str, Any], *, code: str, provider: str) -> dict[str, Any]:
    record: dict[str, Any] = {"code": code, "provider": provider}
    for name, value in data.items():
        if name == "price":
            record[name] = _text(value)
        elif name not in ("code", "provider"):
            record[name] = value
    return record
