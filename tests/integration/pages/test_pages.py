"""Home, catalog, outlines and login pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Course, OutlineVersion, Package, Provider
from catalog.services import catalog_import
from tests.factories import (
    CourseFactory,
    DistributionFactory,
    PackageFactory,
    ProviderFactory,
    make_outline,
)
from tests.integration.contract.outline_versions_data import catalog as versions_catalog

pytestmark = pytest.mark.django_db

R_OUTLINE = {"Safety": ["Radiation Protection"], "Procedures": ["Extremity Procedures"]}


def elements(html: str) -> int:
    """How many elements the document has (what Lighthouse counts as DOM size)."""

    class Counter(HTMLParser):
        count = 0

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.count += 1

    counter = Counter()
    counter.feed(html)
    return counter.count


def titles(response: Any) -> list[str]:
    return [course.title for course in response.context["page_obj"]]


@pytest.fixture
def catalog(ct_outline: OutlineVersion) -> dict[str, Any]:
    """Two providers, CT and R courses in three formats, one package-only course."""
    r_outline = make_outline("R", "Radiography", R_OUTLINE)
    north = ProviderFactory(code="north", name="North CE", url="https://north.example.org")
    south = ProviderFactory(code="south", name="South CE")
    ct_dose = CourseFactory(
        provider=north, title="CT Dose", price=Decimal("30.00"), ce_credits=Decimal("2.00")
    )
    DistributionFactory(
        course=ct_dose,
        subcategory=ct_outline.subcategories.get(name="Radiation Safety and Dose"),
        credits=Decimal("0.50"),
    )
    neck = CourseFactory(
        provider=south,
        title="Neck Webinar",
        format="webinar",
        price=Decimal(10),
        event_date=date(2027, 4, 1),
    )
    DistributionFactory(
        course=neck, subcategory=ct_outline.subcategories.get(name="Neck and Chest")
    )
    extremity = cast(Course, CourseFactory(provider=south, title="Extremities", price=None))
    DistributionFactory(
        course=extremity, subcategory=r_outline.subcategories.get(name="Extremity Procedures")
    )
    package = cast(Package, PackageFactory(provider=south, title="South Pack", price=25))
    package.items.create(course=extremity)
    CourseFactory(provider=north, title="Retired", is_active=False)
    return {"ct": ct_outline, "r": r_outline, "north": north, "south": south}


class TestHome:
    def test_it_explains_cqr_credits_versus_ce_credits(self, client: Client) -> None:
        html = client.get("/").content.decode()
        assert "CQR credits are not CE credits" in html
        assert "0.5 CQR credit in Radiation Safety and Dose" in html
        assert "2-CE-credit course" in html

    def test_it_explains_the_window_partial_credit_and_subcategories(self, client: Client) -> None:
        html = client.get("/").content.decode()
        assert "3-year window" in html
        assert "discontinued" in html
        assert "no partial credit" in html
        assert "counts once" in html
        assert "Patient Care, Safety, Image Production and Procedures" in html

    def test_it_leads_to_the_prescription_form_and_the_catalog(self, client: Client) -> None:
        html = client.get("/").content.decode()
        assert 'href="/prescriptions/new/"' in html
        assert f'href="{reverse("catalog:course_list")}"' in html

    def test_the_layout_has_landmarks_a_skip_link_and_deferred_htmx(self, client: Client) -> None:
        html = client.get("/").content.decode()
        assert '<a class="skip-link" href="#main">' in html
        for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
            assert landmark in html
        assert 'js/htmx.min.js" defer></script>' in html
        assert "<script>" not in html  # no inline scripts

    def test_the_admin_link_is_for_staff_only(self, client: Client, bob: Any, alice: Any) -> None:
        client.force_login(bob)
        assert 'href="/admin/"' not in client.get("/").content.decode()
        client.force_login(alice)
        assert 'href="/admin/"' in client.get("/").content.decode()


class TestCatalog:
    def test_it_lists_active_courses_only(self, client: Client, catalog: Any) -> None:
        response = client.get(reverse("catalog:course_list"))
        assert set(titles(response)) == {"CT Dose", "Neck Webinar", "Extremities"}

    def test_it_shows_ce_credits_and_the_distribution_separately(
        self, client: Client, catalog: Any
    ) -> None:
        html = client.get(reverse("catalog:course_list"), {"provider": "north"}).content.decode()
        assert " · 2.00 CE credits · " in html
        assert "CQR credit distribution" in html
        assert "<dt>Radiation Safety and Dose <small>CT · Safety</small></dt><dd>0.50</dd>" in html
        assert "$30.00" in html
        assert 'href="https://north.example.org"' in html

    def test_it_marks_package_only_courses_and_names_their_packages(
        self, client: Client, catalog: Any
    ) -> None:
        html = client.get(reverse("catalog:course_list"), {"discipline": "R"}).content.decode()
        assert "Sold only in a package" in html
        assert "South Pack" in html and "$25.00" in html
        assert "no package offers it now" not in html

    def test_it_says_when_no_package_offers_a_package_only_course(
        self, client: Client, catalog: Any
    ) -> None:
        Package.objects.filter(title="South Pack").update(is_active=False)
        html = client.get(reverse("catalog:course_list"), {"discipline": "R"}).content.decode()
        assert "Sold only in a package" in html
        assert "no package offers it now: plans never buy it" in html

    def test_it_shows_the_event_date_of_a_webinar(self, client: Client, catalog: Any) -> None:
        html = client.get(reverse("catalog:course_list"), {"format": "webinar"}).content.decode()
        assert '<time datetime="2027-04-01">' in html

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"discipline": "CT"}, {"CT Dose", "Neck Webinar"}),
            ({"discipline": "R"}, {"Extremities"}),
            ({"format": "webinar"}, {"Neck Webinar"}),
            ({"provider": "south"}, {"Neck Webinar", "Extremities"}),
            ({"discipline": "CT", "provider": "south"}, {"Neck Webinar"}),
        ],
    )
    def test_it_filters(
        self, client: Client, catalog: Any, params: dict[str, Any], expected: set[str]
    ) -> None:
        assert set(titles(client.get(reverse("catalog:course_list"), params))) == expected

    def test_it_filters_by_subcategory(self, client: Client, catalog: Any) -> None:
        neck = catalog["ct"].subcategories.get(name="Neck and Chest")
        response = client.get(reverse("catalog:course_list"), {"subcategory": neck.pk})
        assert titles(response) == ["Neck Webinar"]

    def test_the_subcategory_picker_is_grouped_by_discipline_and_major(
        self, client: Client, catalog: Any
    ) -> None:
        html = client.get(reverse("catalog:course_list")).content.decode()
        assert '<optgroup label="CT – Computed Tomography: Safety">' in html
        assert '<optgroup label="R – Radiography: Procedures">' in html

    def test_a_chosen_discipline_narrows_the_subcategory_picker(
        self, client: Client, catalog: Any
    ) -> None:
        form = client.get(reverse("catalog:course_list"), {"discipline": "R"}).context["form"]
        r_subcategories = set(catalog["r"].subcategories.values_list("pk", flat=True))
        offered = {
            value for _, options in form.fields["subcategory"].choices[1:] for value, _ in options
        }
        assert offered == r_subcategories
        html = client.get(reverse("catalog:course_list"), {"discipline": "R"}).content.decode()
        assert '<optgroup label="Procedures">' in html
        assert (
            "Computed Tomography" not in html.split('id="subcategory-field"')[1].split("</div>")[0]
        )
        assert "All R subcategories" in html

    def test_the_htmx_results_carry_the_narrowed_subcategory_picker(
        self, client: Client, catalog: Any
    ) -> None:
        html = client.get(
            reverse("catalog:course_list"), {"discipline": "CT"}, headers={"HX-Request": "true"}
        ).content.decode()
        picker = html.split('<div class="field" id="subcategory-field" hx-swap-oob="true">')[1]
        picker = picker.split("</div>")[0]
        assert "Neck and Chest" in picker
        assert "Extremity Procedures" not in picker

    def test_a_subcategory_of_another_discipline_is_explained_and_ignored(
        self, client: Client, catalog: Any
    ) -> None:
        extremity = catalog["r"].subcategories.get(name="Extremity Procedures")
        response = client.get(
            reverse("catalog:course_list"), {"discipline": "CT", "subcategory": extremity.pk}
        )
        html = unescape(response.content.decode())
        assert "the subcategory chosen is not in the CT content outline" in html
        assert set(titles(response)) == {"CT Dose", "Neck Webinar"}

    def test_an_unknown_discipline_says_so(self, client: Client, catalog: Any) -> None:
        response = client.get(reverse("catalog:course_list"), {"discipline": "ZZ"})
        html = unescape(response.content.decode())
        assert "no discipline has the code “ZZ”, so courses of every discipline are shown" in html
        assert len(titles(response)) == 3
        partial = client.get(
            reverse("catalog:course_list"), {"discipline": "ZZ"}, headers={"HX-Request": "true"}
        ).content.decode()
        assert "no discipline has the code" in unescape(partial)  # in the swapped results

    def test_a_discipline_code_in_lower_case_is_understood(
        self, client: Client, catalog: Any
    ) -> None:
        response = client.get(reverse("catalog:course_list"), {"discipline": "ct"})
        assert set(titles(response)) == {"CT Dose", "Neck Webinar"}
        assert not response.context["form"].errors

    def test_it_sorts_by_price_with_package_only_courses_last(
        self, client: Client, catalog: Any
    ) -> None:
        url = reverse("catalog:course_list")
        assert titles(client.get(url, {"sort": "price"})) == [
            "Neck Webinar",
            "CT Dose",
            "Extremities",
        ]
        assert titles(client.get(url, {"sort": "-price"})) == [
            "CT Dose",
            "Neck Webinar",
            "Extremities",
        ]
        assert titles(client.get(url, {"sort": "title"}))[0] == "CT Dose"

    def test_it_reports_and_ignores_a_filter_it_does_not_understand(
        self, client: Client, catalog: Any
    ) -> None:
        response = client.get(reverse("catalog:course_list"), {"format": "carrier-pigeon"})
        assert response.status_code == 200
        assert "Some filters were not understood" in response.content.decode()
        assert len(titles(response)) == 3

    def test_it_paginates_by_25_and_keeps_the_filters_in_page_links(
        self, client: Client, ct_outline: OutlineVersion
    ) -> None:
        provider = ProviderFactory(code="bulk")
        for number in range(30):
            CourseFactory(provider=provider, title=f"Course {number:02d}")
        url = reverse("catalog:course_list")
        first = client.get(url, {"provider": "bulk"})
        assert len(titles(first)) == 25
        assert "?provider=bulk&amp;page=2" in first.content.decode()
        second = client.get(url, {"provider": "bulk", "page": "2"})
        assert titles(second) == [f"Course {n}" for n in range(25, 30)]
        assert len(titles(client.get(url, {"page": "999"}))) == 5  # last page, not an error

    def test_a_page_of_courses_costs_a_bounded_number_of_queries(
        self,
        client: Client,
        ct_outline: OutlineVersion,
        django_assert_max_num_queries: Any,
    ) -> None:
        subs = list(ct_outline.subcategories.all())
        for number in range(40):
            provider = cast(Provider, ProviderFactory(code=f"p{number % 4}"))
            course = cast(Course, CourseFactory(provider=provider))
            for sub in subs[: 1 + number % 3]:
                DistributionFactory(course=course, subcategory=sub)
            cast(Package, PackageFactory(provider=provider)).items.create(course=course)
        with django_assert_max_num_queries(8):
            response = client.get(reverse("catalog:course_list"), {"discipline": "CT"})
        assert len(titles(response)) == 25

    def test_a_full_page_of_courses_stays_a_small_document(
        self, client: Client, ct_outline: OutlineVersion
    ) -> None:
        # 25 courses with three distribution rows and a package each, every outline's
        # subcategories in the picker: the page Lighthouse measured at 1,417 elements.
        for code, name in [("R", "Radiography"), ("MR", "Magnetic Resonance")]:
            make_outline(
                code, name, {f"{name} {m}": [f"{m} topic {i}" for i in range(8)] for m in "ABC"}
            )
        subs = list(ct_outline.subcategories.all()[:3])
        provider = ProviderFactory(code="big", url="https://big.example.org")
        for number in range(25):
            course = cast(Course, CourseFactory(provider=provider, title=f"Course {number:02d}"))
            for sub in subs:
                DistributionFactory(course=course, subcategory=sub)
            cast(Package, PackageFactory(provider=provider)).items.create(course=course)
        html = client.get(reverse("catalog:course_list")).content.decode()
        assert html.count('class="course-card"') == 25
        assert elements(html) < 800

    def test_an_htmx_request_gets_only_the_results(self, client: Client, catalog: Any) -> None:
        response = client.get(reverse("catalog:course_list"), headers={"HX-Request": "true"})
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="results"')
        assert "<html" not in html
        # Screen readers hear the new count through the page's persistent status region.
        assert (
            '<p id="results-status" hx-swap-oob="innerHTML">3 courses match the filters.</p>'
            in html
        )
        assert "HX-Request" in response["Vary"]

    def test_the_filter_form_works_without_javascript(self, client: Client, catalog: Any) -> None:
        html = client.get(reverse("catalog:course_list")).content.decode()
        assert '<form method="get" action="/catalog/"' in html
        assert '<button type="submit" class="button">Apply filters</button>' in html


class TestOutlines:
    def test_it_shows_confirmed_and_inferred_badges_with_sources(
        self, client: Client, ct_outline: OutlineVersion
    ) -> None:
        ct_outline.source = "https://www.arrt.org/targeted-ce ; https://example.org/other"
        ct_outline.save()
        r_outline = make_outline("R", "Radiography", R_OUTLINE)
        r_outline.confirmed = False
        r_outline.save()
        html = client.get(reverse("catalog:outline_list")).content.decode()
        assert html.count("Confirmed by ARRT") == 1
        assert html.count("Unconfirmed – check with ARRT") == 1
        assert 'href="https://www.arrt.org/targeted-ce"' in html
        assert 'href="https://example.org/other"' in html
        assert "Radiation Protection" in html and "Extremity Procedures" in html

    def test_it_lists_older_versions_and_aliases(
        self, client: Client, ct_outline: OutlineVersion
    ) -> None:
        OutlineVersion.objects.create(
            discipline=ct_outline.discipline, version="2016", is_current=False
        )
        dose = ct_outline.subcategories.get(name="Radiation Safety and Dose")
        ct_outline.aliases.create(alias="Radiation Safety", subcategory=dose)
        html = client.get(reverse("catalog:outline_list")).content.decode()
        assert "CT – version 2016" in html
        assert "also written: Radiation Safety" in html

    def test_it_shows_effective_dates_source_status_and_mappings(self, client: Client) -> None:
        catalog_import(document=versions_catalog())
        html = client.get(reverse("catalog:outline_list")).content.decode()
        assert 'in force from <time datetime="2026-09-01">Sep 1, 2026</time>' in html
        assert (
            'BS – version 2022 · from <time datetime="2022-01-01">Jan 1, 2022</time> to '
            '<time datetime="2026-08-31">Aug 31, 2026</time> · unconfirmed'
        ) in html
        assert "Breast Procedures → Interventional Breast Procedures" in html
        assert "Unconfirmed – check with ARRT" in html


class TestLogin:
    def test_the_login_page_renders(self, client: Client) -> None:
        response = client.get(reverse("login"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "<h1>Log in</h1>" in html
        assert 'name="username"' in html and 'name="password"' in html

    def test_a_user_logs_in_and_out(self, client: Client, bob: Any) -> None:
        response = client.post(
            reverse("login"), {"username": "bob", "password": "correct-horse-battery"}
        )
        assert response.status_code == 302
        page = client.get("/").content.decode()
        assert "Signed in as" in page and "<strong>bob</strong>" in page
        assert client.post(reverse("logout")).status_code == 302
        assert "Signed in as" not in client.get("/").content.decode()

    def test_a_wrong_password_shows_an_error(self, client: Client, bob: Any) -> None:
        response = client.post(reverse("login"), {"username": "bob", "password": "nope"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
