"""Every page a technologist or provider staff sees fits a 390 px phone (nothing scrolls
the page sideways), passes axe-core and loads without a Content Security Policy
violation, in a real chromium."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Discipline
from catalog.services import staff_grant_catalog_permissions
from followup.reminders import unsubscribe_token
from obligations.models import ObligationTemplate
from obligations.services import obligation_add, obligation_add_cqr_window, templates_load_file
from plans import services
from tests.browser.conftest import (
    axe_violations,
    policy_violations,
    shot,
    watch_policy_violations,
)
from tests.factories import MembershipFactory, UserFactory
from tests.integration.web.conftest import build_catalog, make_prescription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def session_cookie(live_server: Any, user: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def ahec_staff(catalog: Any) -> Any:
    """Staff of the catalog's AHEC provider, allowed to edit its catalog in the admin."""
    staff = cast(Any, UserFactory(username="ahec-staff", is_staff=True))
    MembershipFactory(user=staff, provider=catalog.ahec)
    staff_grant_catalog_permissions(user=staff)
    return staff


def phone(browser: Any, cookie: dict[str, str] | None = None) -> tuple[Any, Any]:
    """A phone-sized page (signed in with `cookie`) that records policy violations."""
    context = browser.new_context(viewport=PHONE)
    if cookie:
        context.add_cookies([cookie])
    watch_policy_violations(context)
    return context, context.new_page()


def check(page: Any, url: str, name: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, f"{name}: {url} answered {response}"
    width = page.evaluate("document.scrollingElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) {
                if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX))
                    return false; } return true; })
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    shot(page, f"phone-{name}")
    assert width <= PHONE["width"], f"{name} is {width} px wide: {wide}"
    blocked = policy_violations(page)
    assert blocked == [], f"{name}: the Content Security Policy blocked {blocked}"
    # Every impact, minor ones too (e.g. the header cells Django's tabular inlines leave
    # empty: static/js/admin_tables.js names them).
    violations = axe_violations(
        page, impacts=frozenset({"minor", "moderate", "serious", "critical"})
    )
    assert violations == [], f"{name}: {violations}"


def test_every_page_fits_a_phone_and_passes_axe(live_server: Any, browser: Any, bob: Any) -> None:
    catalog = build_catalog()
    staff = ahec_staff(catalog)
    prescription = make_prescription(bob)
    run = prescription.runs.get()
    plan = services.plan_choose(prescription=prescription, bundle=run.bundles.get(rank=1))
    services.plan_item_mark_done(
        item=plan.items.get(course=catalog.dose), done_on=timezone.localdate()
    )
    # The obligations page with a CQR window (its table) and an obligation card.
    today = timezone.localdate()
    templates_load_file()
    obligation_add_cqr_window(
        owner=bob,
        discipline=Discipline.objects.get(code="CT"),
        starts_on=None,
        ends_on=today + timedelta(days=400),
    )
    obligation_add(
        owner=bob,
        template=ObligationTemplate.objects.get(code="arrt-biennium"),
        due_on=today + timedelta(days=300),
        credentials=set(),
    )
    base = live_server.url

    context, page = phone(browser)
    check(page, f"{base}/", "home")
    check(page, f"{base}/catalog/", "catalog")
    check(page, f"{base}/catalog/?discipline=CT", "catalog-ct")
    check(page, f"{base}/catalog/outlines/", "outlines")
    context.add_cookies([session_cookie(live_server, bob)])
    check(page, f"{base}/prescriptions/new/", "form")
    check(page, f"{base}/prescriptions/new/?discipline=CT", "form-ct")
    check(page, f"{base}/prescriptions/{prescription.pk}/", "bundles")
    check(page, f"{base}/prescriptions/{prescription.pk}/plan/", "plan")
    check(page, f"{base}/prescriptions/", "prescription-list")
    check(page, f"{base}/prescriptions/my-courses/", "my-courses")
    check(page, f"{base}/obligations/", "obligations")
    check(page, f"{base}/accounts/profile/", "profile")
    context.close()

    context, page = phone(browser, session_cookie(live_server, staff))
    check(page, f"{base}/admin/catalog/course/{catalog.dose.pk}/change/", "admin-course")
    # The distribution rows are there, each field named (axe: select-name, label).
    assert page.get_by_label("Subcategory, row 1").count() == 1
    assert page.get_by_label("CQR credits, row 2").count() == 1  # the extra row
    check(page, f"{base}/admin/catalog/course/add/", "admin-course-add")
    check(page, f"{base}/admin/catalog/package/add/", "admin-package-add")
    check(page, f"{base}/provider/insights/", "insights")
    context.close()


def test_the_other_pages_fit_a_phone_and_pass_axe(live_server: Any, browser: Any, bob: Any) -> None:
    """Account, import, edit and delete, reminder settings, unsubscribe, admin lists, 404."""
    catalog = build_catalog()
    staff = ahec_staff(catalog)
    prescription = make_prescription(bob)
    base = live_server.url

    context, page = phone(browser)
    check(page, f"{base}/accounts/login/", "login")
    check(page, f"{base}/accounts/signup/", "signup")
    check(page, f"{base}/accounts/password_reset/", "password-reset")
    check(page, f"{base}/no-such-page/", "not-found", status=404)
    context.add_cookies([session_cookie(live_server, bob)])
    check(page, f"{base}/prescriptions/import/", "import")
    check(page, f"{base}/prescriptions/read/", "read")
    check(page, f"{base}/prescriptions/my-courses/new/", "my-course-new")
    check(page, f"{base}/prescriptions/{prescription.pk}/edit/", "edit")
    check(page, f"{base}/prescriptions/{prescription.pk}/delete/", "delete")
    check(page, f"{base}/followup/reminders/", "reminders")
    check(page, f"{base}/accounts/password_change/", "password-change")
    context.clear_cookies()
    check(page, f"{base}/followup/unsubscribe/{unsubscribe_token(bob)}/", "unsubscribed")
    context.close()

    context, page = phone(browser, session_cookie(live_server, staff))
    check(page, f"{base}/admin/", "admin-index")
    check(page, f"{base}/admin/catalog/course/", "admin-course-list")
    check(page, f"{base}/admin/catalog/package/", "admin-package-list")
    check(page, f"{base}/provider/insights/{catalog.ahec.pk}/", "insights-dashboard")
    context.close()
