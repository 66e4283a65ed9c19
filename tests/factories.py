"""factory_boy factories shared by every test module."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import (
    Course,
    CreditDistribution,
    Discipline,
    MajorCategory,
    OutlineVersion,
    Package,
    Provider,
    ProviderMembership,
    Subcategory,
)
from prescriptions.models import Prescription, RequiredCredit

CT_OUTLINE = {
    "Patient Care": ["Patient Interactions and Management"],
    "Safety": ["Radiation Safety and Dose"],
    "Image Production": ["Image Formation", "Image Evaluation and Archiving"],
    "Procedures": ["Head, Spine, and Musculoskeletal", "Neck and Chest", "Abdomen and Pelvis"],
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # set_password ran after the insert: persist the hash.
        if create and results:
            instance.save()


class DisciplineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discipline
        django_get_or_create = ("code",)

    code = "CT"
    name = "Computed Tomography"


class OutlineVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutlineVersion

    discipline = factory.SubFactory(DisciplineFactory)
    version = "2022"
    confirmed = True
    is_current = True


def make_outline(
    code: str = "CT", name: str = "Computed Tomography", majors: dict[str, list[str]] | None = None
) -> OutlineVersion:
    """An outline with its major categories and subcategories (CT's by default)."""
    discipline, _ = Discipline.objects.get_or_create(code=code, defaults={"name": name})
    outline = OutlineVersion.objects.create(discipline=discipline, version="2022", confirmed=True)
    for m_pos, (major_name, subs) in enumerate((majors or CT_OUTLINE).items()):
        major = MajorCategory.objects.create(outline=outline, name=major_name, position=m_pos)
        for s_pos, sub in enumerate(subs):
            Subcategory.objects.create(outline=outline, major=major, name=sub, position=s_pos)
    return outline


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"prov{n}")
    name = factory.LazyAttribute(lambda p: f"Provider {p.code}")
    url = "https://example.org"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMembership

    user = factory.SubFactory(UserFactory)
    provider = factory.SubFactory(ProviderFactory)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    provider = factory.SubFactory(ProviderFactory)
    code = factory.Sequence(lambda n: f"course-{n}")
    title = factory.LazyAttribute(lambda c: f"Course {c.code}")
    format = "online"
    price = Decimal("20.00")
    ce_credits = Decimal("2.00")
    hours = Decimal("1.67")
    url = "https://example.org/course"


class DistributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditDistribution

    course = factory.SubFactory(CourseFactory)
    credits = Decimal("1.00")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    provider = factory.SubFactory(ProviderFactory)
    code = factory.Sequence(lambda n: f"pack-{n}")
    title = factory.LazyAttribute(lambda p: f"Package {p.code}")
    price = Decimal("50.00")


class PrescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prescription

    owner = factory.SubFactory(UserFactory)
    issued_on = date(2026, 9, 1)
    deadline = date(2027, 12, 31)
    as_of = date(2026, 11, 22)


class RequiredCreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredCredit

    credits = Decimal("1.50")
