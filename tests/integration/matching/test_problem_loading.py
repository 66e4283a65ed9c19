"""solver_problem_from_spec: the candidate slice of the catalog, in few queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from catalog.models import (
    Course,
    MajorCategory,
    OutlineVersion,
    PackageItem,
    Subcategory,
    SubcategoryAlias,
)
from matching.services.problem import solver_problem_from_spec
from prescriptions.documents import prescription_spec_from_document
from prescriptions.spec_rows import prescription_spec_from_model
from tests.factories import PackageFactory, ProviderFactory, make_outline
from tests.integration.matching.conftest import Catalog, add_course, prescription_document

D = Decimal


def problem_for(**overrides):
    spec = prescription_spec_from_document(prescription_document(**overrides))
    return solver_problem_from_spec(spec, alternatives=2, time_limit=5)


def test_it_loads_candidates_with_credits_in_hundredths(catalog: Catalog) -> None:
    problem, index = problem_for()
    assert problem.required == {"Image Formation": 300, "Radiation Safety and Dose": 150}
    by_code = {c.code: c for c in problem.courses}
    assert set(by_code) == {"ahec-ct-dose", "ahec-ct-img", "gage-img", "gage-img2"}
    dose = by_code["ahec-ct-dose"]
    assert (dose.provider, dose.price, dose.ce_credits, dose.format) == (
        "ahec",
        2400,
        150,
        "online",
    )
    assert dose.credits == {"Radiation Safety and Dose": 150}
    assert by_code["gage-img"].event_date == date(2027, 2, 1)
    assert index.courses["ahec-ct-dose"].id == catalog.dose.id
    assert (problem.as_of, problem.deadline) == (date(2026, 11, 22), date(2027, 12, 31))
    assert (problem.alternatives, problem.time_limit) == (2, 5)
    assert problem.majors["Image Formation"] == "Image Production"


def test_it_skips_inactive_ineligible_and_unrelated_courses(catalog: Catalog) -> None:
    neck = catalog.sub("Neck and Chest")
    add_course(catalog.ahec, "unrelated", {neck: D(1)})
    add_course(catalog.ahec, "inactive", {catalog.sub("Image Formation"): D(1)}, is_active=False)
    add_course(catalog.ahec, "not-cqr", {catalog.sub("Image Formation"): D(1)}, cqr_eligible=False)
    mr = make_outline(code="MR", name="Magnetic Resonance", majors={"Safety": ["Image Formation"]})
    add_course(catalog.gage, "mr-only", {mr.subcategories.get(): D(2)})
    problem, _ = problem_for()
    assert {c.code for c in problem.courses} == {
        "ahec-ct-dose",
        "ahec-ct-img",
        "gage-img",
        "gage-img2",
    }


def test_it_keeps_all_discipline_rows_of_a_candidate(catalog: Catalog) -> None:
    neck = catalog.sub("Neck and Chest")
    add_course(catalog.gage, "mixed", {neck: D(1), catalog.sub("Image Formation"): D("0.5")})
    problem, _ = problem_for()
    mixed = next(c for c in problem.courses if c.code == "mixed")
    assert mixed.credits == {"Neck and Chest": 100, "Image Formation": 50}


def test_rows_on_an_older_outline_count_toward_the_current_subcategory(catalog: Catalog) -> None:
    current = catalog.outline
    older = OutlineVersion.objects.create(
        discipline=current.discipline, version="2017", is_current=False
    )
    major = MajorCategory.objects.create(outline=older, name="Image Production")
    same_name = Subcategory.objects.create(outline=older, major=major, name="Image Formation")
    renamed = Subcategory.objects.create(outline=older, major=major, name="Dose Basics")
    SubcategoryAlias.objects.create(
        outline=current, alias="Dose Basics", subcategory=catalog.sub("Radiation Safety and Dose")
    )
    retired = Subcategory.objects.create(outline=older, major=major, name="Film Processing")
    add_course(catalog.gage, "old-image", {same_name: D(1)})
    add_course(catalog.gage, "old-dose", {renamed: D("0.75")})
    add_course(catalog.gage, "old-film", {retired: D(1)})
    problem, _ = problem_for(
        required=[
            {"category": "Image Formation", "credits": 1},
            {"category": "Dose Basics", "credits": 1},  # an alias: the current name is used
        ]
    )
    assert problem.required == {"Image Formation": 100, "Radiation Safety and Dose": 100}
    by_code = {c.code: c for c in problem.courses}
    assert by_code["old-image"].credits == {"Image Formation": 100}
    assert by_code["old-dose"].credits == {"Radiation Safety and Dose": 75}
    assert "old-film" not in by_code
    film, _ = problem_for(required=[{"category": "Film Processing", "credits": 1}])
    assert film.required == {"Film Processing": 100}
    assert [c.code for c in film.courses] == ["old-film"]


def test_completed_and_owned_courses_map_to_solver_codes(catalog: Catalog) -> None:
    neck_only = add_course(catalog.gage, "neck", {catalog.sub("Neck and Chest"): D(1)})
    problem, index = problem_for(completed=["ahec-ct-dose", "neck"], owned=["gage-img2"])
    assert problem.completed == frozenset({"ahec-ct-dose", "neck"})
    assert problem.owned == frozenset({"gage-img2"})
    assert index.courses["neck"].id == neck_only.id


def test_codes_shared_by_two_providers_become_provider_slash_code(catalog: Catalog) -> None:
    other = cast(Any, ProviderFactory(code="other"))
    twin = add_course(other, "ahec-ct-img", {catalog.sub("Image Formation"): D(3)}, price=D(5))
    problem, index = problem_for()
    codes = {c.code for c in problem.courses}
    assert {"ahec/ahec-ct-img", "other/ahec-ct-img", "ahec-ct-dose"} <= codes
    assert index.courses["other/ahec-ct-img"].id == twin.id
    assert index.code_of_course[catalog.image.id] == "ahec/ahec-ct-img"
    (pack,) = problem.packages
    assert pack.courses == ("ahec-ct-dose", "ahec/ahec-ct-img")


def test_it_loads_active_packages_limited_to_candidate_members(catalog: Catalog) -> None:
    neck = add_course(catalog.gage, "neck", {catalog.sub("Neck and Chest"): D(1)})
    mixed: Any = PackageFactory(provider=catalog.gage, code="gage-pack", price=D(20))
    PackageItem.objects.create(package=mixed, course=catalog.gage_small)
    PackageItem.objects.create(package=mixed, course=neck)
    useless: Any = PackageFactory(provider=catalog.gage, code="neck-pack", price=D(5))
    PackageItem.objects.create(package=useless, course=neck)
    retired: Any = PackageFactory(provider=catalog.gage, code="old-pack", is_active=False)
    PackageItem.objects.create(package=retired, course=catalog.gage_image)
    problem, index = problem_for()
    packages = {p.code: p for p in problem.packages}
    assert set(packages) == {"ahec-pack", "gage-pack"}
    assert packages["gage-pack"].courses == ("gage-img2",)
    assert packages["ahec-pack"].price == 5000
    assert index.packages["gage-pack"].id == mixed.id


def test_total_ce_brings_in_every_active_course(catalog: Catalog) -> None:
    mr = make_outline(code="MR", name="Magnetic Resonance", majors={"Safety": ["MR Safety"]})
    add_course(catalog.gage, "mr-only", {mr.subcategories.get(): D(2)})
    add_course(catalog.gage, "general", {}, ce_credits=D(3), cqr_eligible=False)
    problem, _ = problem_for(extra=[{"kind": "total_ce", "credits": 24}])
    by_code = {c.code: c for c in problem.courses}
    assert {"mr-only", "general"} <= set(by_code)
    assert by_code["mr-only"].credits == {}  # no CT rows
    assert by_code["general"].ce_credits == 300


def test_discipline_extras_bring_in_every_course_of_the_discipline(catalog: Catalog) -> None:
    add_course(catalog.gage, "neck", {catalog.sub("Neck and Chest"): D(1)})
    problem, _ = problem_for(required=[], extra=[{"kind": "major_minimum", "credits": 1}])
    assert "neck" in {c.code for c in problem.courses}
    assert problem.majors["Neck and Chest"] == "Procedures"


def test_it_loads_the_slice_in_a_fixed_number_of_queries(
    catalog: Catalog, django_assert_max_num_queries
) -> None:
    for n in range(30):
        add_course(catalog.gage, f"bulk-{n}", {catalog.sub("Image Formation"): D(1)})
    spec = prescription_spec_from_document(prescription_document())
    with django_assert_max_num_queries(8):
        problem, _ = solver_problem_from_spec(spec)
    assert len(problem.courses) == 34


def test_a_completed_course_counts_even_after_it_was_withdrawn(
    catalog: Catalog, prescription
) -> None:
    prescription.completed_courses.add(catalog.dose)
    Course.objects.filter(id=catalog.dose.id).update(is_active=False)
    problem, _ = solver_problem_from_spec(prescription_spec_from_model(prescription))
    assert problem.completed == frozenset({"ahec-ct-dose"})
    dose = next(c for c in problem.courses if c.code == "ahec-ct-dose")
    assert dose.credits == {"Radiation Safety and Dose": 150}
