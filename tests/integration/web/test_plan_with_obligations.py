"""A prescription planned alone or together with the technologist's obligations: the
obligations' requirements become extras with their own deadline, label and tags; pages
list each obligation with what it needs, what the plan gives and by when; the credit sheet
counts a course toward an obligation only when it is done by that obligation's deadline
(the solver's rule, one implementation); another user's obligation is a 404."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching.models import MatchingRun
from matching.solver import Course as SolverCourse
from matching.solver import eligibility
from obligations.models import Obligation, ObligationTemplate
from obligations.services import obligation_add, templates_load_file
from plans.obligations import prescription_obligations_set
from plans.selectors.credits import Requirement
from plans.selectors.lines import CourseLine
from prescriptions.models import Prescription
from prescriptions.spec_rows import prescription_spec_from_model
from tests.integration.web.conftest import WebCatalog, add_course

pytestmark = pytest.mark.django_db
D = Decimal


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def text(response: Any) -> str:
    html = unescape(response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def client_bob(bob: User) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def templates(db: None) -> None:
    templates_load_file()


@pytest.fixture
def florida(bob: User, templates: None) -> Obligation:
    """Florida: 13 CE hours, 1 of them on HIV/AIDS, renewing in 200 days."""
    template = ObligationTemplate.objects.get(code="fl-radiologic-technologist")
    return obligation_add(owner=bob, template=template, due_on=days(200), credentials=set())


@pytest.fixture
def hiv_course(catalog: WebCatalog) -> Any:
    return add_course(
        catalog.gage,
        "gage-hiv",
        {},
        title="HIV/AIDS for Florida",
        ce_credits=D("1"),
        price=D("9.00"),
        tags=["hiv-aids"],
    )


@pytest.fixture
def general_course(catalog: WebCatalog) -> Any:
    return add_course(
        catalog.gage,
        "gage-gen",
        {},
        title="Communication",
        ce_credits=D("10"),
        price=D("19.00"),
    )


def planned(prescription: Prescription, obligations: list[Obligation], capture: Any) -> MatchingRun:
    with capture(execute=True):
        run = prescription_obligations_set(prescription=prescription, obligations=obligations)
    run.refresh_from_db()
    return run


def test_the_obligation_becomes_extras_with_its_own_deadline_label_and_tags(
    bob_prescription: Prescription,
    florida: Obligation,
    hiv_course: Any,
    general_course: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    run = planned(bob_prescription, [florida], django_capture_on_commit_callbacks)
    spec = prescription_spec_from_model(bob_prescription)
    assert [(e.kind, e.credits, e.deadline, e.label, e.tags) for e in spec.extras] == [
        ("total_ce", D("13.00"), days(200), "Florida: 12 CE hours plus 1 HIV/AIDS hour (13)", ()),
        ("tag_minimum", D("1.00"), days(200), "Florida: 1 hour on HIV/AIDS", ("hiv-aids",)),
    ]
    assert [o.title for o in spec.obligations] == [florida.title]
    assert run.status == MatchingRun.Status.DONE and run.outcome == "optimal"
    bundle = run.bundles.get(rank=1)
    codes = {item.code for item in bundle.items.all()}
    assert "gage-hiv" in codes
    # The solver reports each requirement by its label, by the licence's deadline.
    credits = run.result["bundles"][0]["credits"]
    assert D(credits["Florida: 1 hour on HIV/AIDS"]) >= 1


def test_pages_and_pdf_show_each_obligation_with_its_due_date_and_status(
    client_bob: Client,
    bob_prescription: Prescription,
    florida: Obligation,
    hiv_course: Any,
    general_course: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    planned(bob_prescription, [florida], django_capture_on_commit_callbacks)
    page = text(client_bob.get(reverse("prescriptions:detail", args=[bob_prescription.pk])))
    due = f"{days(200):%b} {days(200).day}, {days(200).year}"
    assert "Florida radiologic technologist certificate renewal" in page
    assert f"by {due}" in page
    assert "check with your board" in page
    assert "13.00 of 13.00 CE credits" in page
    assert "1 hour on HIV/AIDS: 1.00 of 1.00" in page


def test_planning_alone_again_drops_the_obligation(
    bob_prescription: Prescription,
    florida: Obligation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    planned(bob_prescription, [florida], django_capture_on_commit_callbacks)
    planned(bob_prescription, [], django_capture_on_commit_callbacks)
    spec = prescription_spec_from_model(bob_prescription)
    assert spec.extras == () and spec.obligations == ()


def test_an_obligation_due_before_the_issue_date_is_refused_by_name(
    bob: User, bob_prescription: Prescription, templates: None
) -> None:
    template = ObligationTemplate.objects.get(code="tx-mrt")
    # Entered when it was still ahead (the page refuses a past due date).
    early = Obligation.objects.create(
        owner=bob,
        kind=template.kind,
        template=template,
        due_on=bob_prescription.issued_on - timedelta(days=1),
    )
    with pytest.raises(ValidationError) as caught:
        prescription_obligations_set(prescription=bob_prescription, obligations=[early])
    (message,) = caught.value.messages
    assert message.startswith("Texas Medical Radiologic Technologist (MRT) renewal: due ")
    assert "before the prescription was issued" in message
    assert not bob_prescription.obligations.exists()


def test_two_obligations_with_the_same_requirement_label_are_refused(
    bob: User, bob_prescription: Prescription, templates: None
) -> None:
    plain, both = (
        obligation_add(
            owner=bob,
            template=ObligationTemplate.objects.get(code=code),
            due_on=days(100),
            credentials={"M"},
        )
        for code in ("mqsa-continuing", "mqsa-continuing-ffdm-dbt")
    )
    with pytest.raises(ValidationError) as caught:
        prescription_obligations_set(prescription=bob_prescription, obligations=[plain, both])
    assert any(
        m.startswith(f"{both.title}:") and "MQSA: 15 mammography CE credits" in m
        for m in caught.value.messages
    )
    assert not bob_prescription.obligations.exists()


def test_the_form_plans_with_ticked_obligations_and_another_users_is_a_404(
    client_bob: Client,
    bob_prescription: Prescription,
    florida: Obligation,
    other_user: User,
    templates: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = reverse("prescriptions:obligations", args=[bob_prescription.pk])
    theirs = obligation_add(
        owner=other_user,
        template=ObligationTemplate.objects.get(code="tx-mrt"),
        due_on=days(90),
        credentials=set(),
    )
    response = client_bob.post(url, {"obligation": [florida.pk, theirs.pk]})
    assert response.status_code == 404
    assert not bob_prescription.obligations.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_bob.post(url, {"obligation": [florida.pk]})
    assert response.status_code == 302
    assert list(bob_prescription.obligations.all()) == [florida]

    # Their prescription with Bob's own obligation: 404 too.
    mallory = Client()
    mallory.force_login(other_user)
    assert mallory.post(url, {"obligation": [theirs.pk]}).status_code == 404
    assert list(bob_prescription.obligations.all()) == [florida]


def test_the_sheet_counts_a_course_only_when_done_by_each_obligations_deadline(
    bob_prescription: Prescription,
    florida: Obligation,
    hiv_course: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    planned(bob_prescription, [florida], django_capture_on_commit_callbacks)
    spec = prescription_spec_from_model(bob_prescription)
    requirement = Requirement(spec)
    hiv_key = "Florida: 1 hour on HIV/AIDS"
    for done_on, counts in ((florida.due_on, True), (florida.due_on + timedelta(days=1), False)):
        line = CourseLine(
            course=hiv_course,
            code=hiv_course.code,
            complete_by=done_on,
            status="done",
            done_on=done_on,
        )
        sheet = requirement.sheet([line])
        by_key = {t.need.key: t for t in sheet.tallies}
        assert by_key[hiv_key].done == (D("1") if counts else D("0"))
        assert by_key["Florida: 12 CE hours plus 1 HIV/AIDS hour (13)"].done == (
            D("1") if counts else D("0")
        )
        # The same rule the solver applies to its plans.
        assert eligibility.counts_toward(hiv_course, florida.due_on, done_on) is counts
        assert (hiv_key in dict(line.credit_items)) is counts


def test_solver_and_sheet_share_the_counting_rule() -> None:
    """Expiry and events too: the solver's Instance.counted_for is counts_toward."""
    deadline = date(2027, 6, 30)
    course = SolverCourse(
        code="c",
        provider="p",
        price=100,
        hours=100,
        ce_credits=100,
        credits={},
        format="online",
        approval_expires=date(2027, 5, 31),
    )
    assert eligibility.counts_toward(course, deadline, date(2027, 5, 31))
    assert not eligibility.counts_toward(course, deadline, date(2027, 6, 1))
    event = SolverCourse(
        code="e",
        provider="p",
        price=100,
        hours=100,
        ce_credits=100,
        credits={},
        format="online",
        event_date=date(2027, 7, 4),
    )
    assert not eligibility.counts_toward(event, deadline, date(2027, 6, 1))


def test_a_completed_prescription_is_not_planned_with_obligations(
    bob_prescription: Prescription, florida: Obligation
) -> None:
    bob_prescription.status = Prescription.Status.COMPLETED
    bob_prescription.save()
    with pytest.raises(ValidationError, match="is marked completed and kept as history"):
        prescription_obligations_set(prescription=bob_prescription, obligations=[florida])
    assert not bob_prescription.obligations.exists()


def test_a_staff_edit_of_the_rule_marks_the_planned_prescriptions_run_stale(
    bob: User,
    bob_prescription: Prescription,
    florida: Obligation,
    django_capture_on_commit_callbacks: Any,
) -> None:
    run = planned(bob_prescription, [florida], django_capture_on_commit_callbacks)
    other = ObligationTemplate.objects.get(code="tx-mrt").requirements.first()
    assert other is not None
    other.credits = D("20")
    other.save()  # another template: nothing planned with it
    run.refresh_from_db()
    assert not run.is_stale
    requirement = florida.template.requirements.get(kind="total_ce")  # type: ignore[union-attr]
    requirement.credits = D("14")
    requirement.save()
    run.refresh_from_db()
    assert run.is_stale
    assert prescription_spec_from_model(bob_prescription).extras[0].credits == D("14")


def test_the_bundles_page_offers_the_owners_plannable_obligations_only(
    bob: User,
    bob_prescription: Prescription,
    client_bob: Client,
    other_user: User,
    templates: None,
) -> None:
    """ "Plan together with" lists the owner's obligations other than a CQR window, and
    says there are none (no form) when there are none: the prescription is loaded saying
    whether any exists (`has_plannable_obligations`)."""
    url = reverse("prescriptions:detail", args=[bob_prescription.pk])
    template = ObligationTemplate.objects.get(code="fl-radiologic-technologist")
    obligation_add(owner=other_user, template=template, due_on=days(200), credentials=set())
    Obligation.objects.create(
        owner=bob,
        kind=Obligation.Kind.CQR,
        discipline=bob_prescription.outline.discipline,
        due_on=days(300),
    )
    page = client_bob.get(url).content.decode()
    assert 'name="obligation"' not in page
    assert "List your obligations</a> and plan them here" in page

    mine = obligation_add(owner=bob, template=template, due_on=days(200), credentials=set())
    page = client_bob.get(url).content.decode()
    assert f'name="obligation" value="{mine.pk}"' in page
    assert page.count('name="obligation"') == 1
