"""The demo data: a realistic catalog through the regular import, and demo accounts."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from catalog.demo import PROVIDERS, demo_catalog_document
from catalog.models import CatalogRevision, Course, CreditDistribution, Package, Provider
from catalog.services import DEFAULT_OUTLINES_FILE
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db

DEMO_DISCIPLINES = {"CT", "MR", "R", "M"}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--allow-without-debug", *args, stdout=out)
    return out.getvalue()


def shipped_outline_names() -> dict[str, list[tuple[str, str]]]:
    data = json.loads(DEFAULT_OUTLINES_FILE.read_text(encoding="utf-8"))
    return {
        d["discipline"]: [(c["major"], c["name"]) for c in d["categories"]]
        for d in data["outlines"]
    }


def test_the_demo_document_is_deterministic_and_valid_by_the_course_rules() -> None:
    names = shipped_outline_names()
    document = demo_catalog_document(outlines=names)
    assert document == demo_catalog_document(outlines=names)
    assert document != demo_catalog_document(outlines=names, seed=7)
    assert document["format"] == "cqr-catalog/1"
    packaged = {code for p in document["packages"] for code in p["courses"]}
    for course in document["courses"]:
        per_discipline: dict[str, Decimal] = defaultdict(Decimal)
        for row in course["distribution"]:
            assert row["category"] in {s for _, s in names[row["discipline"]]}
            per_discipline[row["discipline"]] += Decimal(row["credits"])
        assert all(total <= Decimal(course["ce_credits"]) for total in per_discipline.values())
        if course["event_date"]:
            assert course["format"] in {"webinar", "live"}
        if course["price"] is None:
            assert course["code"] in packaged
        assert Decimal(course["hours"]) * 60 >= Decimal(course["ce_credits"]) * 50


def test_seeding_twice_gives_the_promised_catalog_and_changes_nothing_the_second_time() -> None:
    first = seed()
    counts = (Provider.objects.count(), Course.objects.count(), Package.objects.count())
    revisions = CatalogRevision.objects.count()
    second = seed()
    assert (Provider.objects.count(), Course.objects.count(), Package.objects.count()) == counts
    assert CatalogRevision.objects.count() == revisions
    assert "0 created, 0 updated" in second and "(no changes)" in second
    assert "demo-tech-2026" in first and "demo-staff-2026" in first and "demo-admin-2026" in first

    assert Provider.objects.count() >= 4
    assert Course.objects.count() >= 150
    assert Package.objects.count() >= 4
    disciplines = set(
        CreditDistribution.objects.values_list("subcategory__outline__discipline__code", flat=True)
    )
    assert disciplines >= DEMO_DISCIPLINES
    assert len(disciplines - DEMO_DISCIPLINES) >= 1  # "a few others"
    events = Course.objects.filter(format__in=["webinar", "live"])
    assert events.count() >= 3
    assert all(c.event_date and c.event_date.year == 2027 for c in events)
    prices = [c.price for c in Course.objects.all()]
    assert all(p is None or Decimal(0) <= p <= Decimal(150) for p in prices)
    assert any(p == 0 for p in prices) and any(p is not None and p > 90 for p in prices)
    package_only = Course.objects.filter(price__isnull=True)
    assert package_only.exists()
    assert all(c.package_items.exists() for c in package_only)
    differing = [
        c
        for c in Course.objects.prefetch_related("distribution")
        if sum(r.credits for r in c.distribution.all()) != c.ce_credits
    ]
    assert len(differing) >= 30
    assert Course.objects.filter(approval_expires__isnull=False).count() >= 100


def test_the_demo_accounts_can_log_in_with_the_printed_passwords() -> None:
    seed()
    user_model = get_user_model()
    tech = user_model.objects.get(username="tech")
    assert tech.email == "tech@example.org" and not tech.is_staff
    assert tech.check_password("demo-tech-2026")
    staff = user_model.objects.get(username="staff")
    assert staff.is_staff and not staff.is_superuser
    assert staff.groups.filter(name="Provider staff").exists()
    assert staff.provider_memberships.get().provider.code == PROVIDERS[0].code
    admin = user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-admin-2026")


def test_the_demo_staff_sees_only_their_providers_courses_in_the_admin(client: Client) -> None:
    seed()
    client.force_login(get_user_model().objects.get(username="staff"))
    response = client.get(reverse("admin:catalog_course_changelist"), {"all": ""})
    assert response.status_code == 200
    providers = {course.provider.code for course in response.context["cl"].result_list}
    assert providers == {PROVIDERS[0].code}
    own = Course.objects.filter(provider__code=PROVIDERS[0].code).count()
    assert response.context["cl"].result_count == own


def test_if_empty_does_nothing_when_courses_exist() -> None:
    CourseFactory()
    output = seed("--if-empty")
    assert "already has courses" in output
    assert Course.objects.count() == 1
    assert not get_user_model().objects.filter(username="tech").exists()


def test_it_refuses_to_publish_demo_passwords_without_debug(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published passwords"):
        call_command("seed_demo", stdout=StringIO())
    assert not Course.objects.exists()


def test_the_demo_mammography_courses_carry_the_mammography_tag_mqsa_counts() -> None:
    """A demo mammographer can plan MQSA (15 credits of courses tagged `mammography`):
    every course whose own discipline is M carries the tag, no other course does."""
    seed()
    tagged = {c.code for c in Course.objects.all() if "mammography" in c.tags}
    mammography = {c.code for c in Course.objects.all() if "-m-" in c.code}  # discipline M
    assert mammography and tagged == mammography
    offered = Course.objects.filter(code__in=tagged, price__isnull=False)
    assert sum(c.ce_credits for c in offered) >= 15


@pytest.mark.parametrize(
    "template", ["tx-mrt", "ca-crt", "fl-radiologic-technologist", "mqsa-continuing"]
)
def test_the_demo_catalog_offers_every_topic_these_licences_require(template: str) -> None:
    """Each topic minimum of these shipped templates can be met from the demo catalog: its
    offered courses carrying one of the tags give at least the credits."""
    from obligations.models import ObligationTemplate
    from obligations.services import templates_load_file

    seed()
    templates_load_file()
    requirements = ObligationTemplate.objects.get(code=template).requirements.filter(
        kind="tag_minimum"
    )
    assert requirements.exists()
    offered = list(Course.objects.filter(price__isnull=False, is_active=True))
    for requirement in requirements:
        wanted = set(requirement.tags)
        credits = sum((c.ce_credits for c in offered if wanted & set(c.tags)), Decimal(0))
        assert credits >= requirement.credits, (template, sorted(wanted), credits)
