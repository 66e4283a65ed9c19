"""Provider staff manage their own catalog through the API, with the import's rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.models import CatalogRevision, Course, Package
from tests.integration.api.conftest import CT_DOSE, CT_IMAGE, GAGE_LIVE, assert_error

NEW_COURSE: dict[str, Any] = {
    "code": "ahec-ct-new",
    "title": "New CT course",
    "format": "webinar",
    "price": 15,
    "ce_credits": "1.00",
    "event_date": "2027-05-01",
    "distribution": [{"discipline": "CT", "category": "Neck and Chest", "credits": "1.00"}],
}


def catalog_document(*courses: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"format": "cqr-catalog/1", "courses": list(courses), **sections}


@pytest.mark.usefixtures("catalog")
class TestCourses:
    def test_staff_list_only_their_providers_courses(self, alice_api: APIClient) -> None:
        body = alice_api.get("/api/v1/provider/courses/").json()
        assert [row["code"] for row in body["results"]] == ["ahec-ct-dose", "ahec-ct-image"]
        assert body["results"][0]["is_active"] is True

    def test_staff_create_a_course_with_its_distribution(self, alice_api: APIClient) -> None:
        response = alice_api.post("/api/v1/provider/courses/create/", NEW_COURSE, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["provider"]["code"] == "ahec"
        assert body["price"] == "15.00"
        assert body["hours"] == "0.83"
        assert body["distribution"][0]["category"] == "Neck and Chest"
        assert CatalogRevision.objects.count() == 2  # the fixture's import, then this one

    def test_the_import_rules_refuse_a_bad_course_and_write_nothing(
        self, alice_api: APIClient
    ) -> None:
        bad = {**NEW_COURSE, "format": "online", "ce_credits": "0.50"}
        error = assert_error(
            alice_api.post("/api/v1/provider/courses/create/", bad, format="json"), 400
        )
        text = " ".join(row["message"] for row in error["details"])
        assert "event_date" in text and "webinar or live" in text
        assert "distribution credits exceed" in text
        assert not Course.objects.filter(code="ahec-ct-new").exists()

    def test_an_unknown_category_is_named(self, alice_api: APIClient) -> None:
        bad = copy.deepcopy(NEW_COURSE)
        bad["distribution"][0]["category"] = "Nope"
        error = assert_error(
            alice_api.post("/api/v1/provider/courses/create/", bad, format="json"), 400
        )
        assert 'unknown category "Nope"' in error["message"]

    def test_staff_cannot_create_for_another_provider(self, alice_api: APIClient) -> None:
        course = {**NEW_COURSE, "provider": "gage"}
        assert_error(
            alice_api.post("/api/v1/provider/courses/create/", course, format="json"),
            403,
            "permission_denied",
        )
        assert not Course.objects.filter(code="ahec-ct-new").exists()

    def test_a_duplicate_code_is_refused(self, alice_api: APIClient) -> None:
        course = {**NEW_COURSE, "code": "ahec-ct-dose"}
        error = assert_error(
            alice_api.post("/api/v1/provider/courses/create/", course, format="json"), 400
        )
        assert error["details"][0]["field"] == "code"

    def test_staff_update_a_course(self, alice_api: APIClient) -> None:
        course = Course.objects.get(code="ahec-ct-image")
        fields = {k: v for k, v in CT_IMAGE.items() if k not in ("code", "provider")}
        fields["price"] = "35.50"
        fields["distribution"] = [
            {"discipline": "CT", "category": "Image Formation", "credits": 2},
            {"discipline": "CT", "category": "Image Evaluation and Archiving", "credits": 1},
        ]
        response = alice_api.post(
            f"/api/v1/provider/courses/{course.pk}/update/", fields, format="json"
        )
        assert response.status_code == 200, response.content
        course.refresh_from_db()
        assert str(course.price) == "35.50"
        assert course.distribution.count() == 2

    def test_staff_retire_a_course(self, alice_api: APIClient, anon: APIClient) -> None:
        course = Course.objects.get(code="ahec-ct-dose")
        response = alice_api.post(f"/api/v1/provider/courses/{course.pk}/retire/")
        assert response.status_code == 200, response.content
        assert response.json()["is_active"] is False
        course.refresh_from_db()
        assert course.is_active is False
        assert course.distribution.count() == 2  # retiring keeps its data
        public = [r["code"] for r in anon.get("/api/v1/courses/").json()["results"]]
        assert "ahec-ct-dose" not in public

    def test_another_providers_course_is_a_404(self, charlie_api: APIClient) -> None:
        course = Course.objects.get(code="ahec-ct-dose")
        for path in ("", "update/", "retire/"):
            method = charlie_api.get if not path else charlie_api.post
            assert_error(method(f"/api/v1/provider/courses/{course.pk}/{path}"), 404)
        course.refresh_from_db()
        assert course.is_active


@pytest.mark.usefixtures("catalog")
class TestPackages:
    def test_staff_create_update_and_retire_a_package(self, alice_api: APIClient) -> None:
        package = {
            "code": "ahec-pack",
            "title": "CT pack",
            "price": "45.00",
            "courses": ["ahec-ct-dose", "ahec-ct-image"],
        }
        created = alice_api.post("/api/v1/provider/packages/create/", package, format="json")
        assert created.status_code == 201, created.content
        package_id = created.json()["id"]
        assert created.json()["courses"] == ["ahec-ct-dose", "ahec-ct-image"]
        updated = alice_api.post(
            f"/api/v1/provider/packages/{package_id}/update/",
            {"title": "CT pack", "price": 40, "courses": ["ahec-ct-dose"]},
            format="json",
        )
        assert updated.status_code == 200, updated.content
        assert updated.json()["courses"] == ["ahec-ct-dose"]
        retired = alice_api.post(f"/api/v1/provider/packages/{package_id}/retire/")
        assert retired.json()["is_active"] is False
        listed = alice_api.get("/api/v1/provider/packages/").json()["results"]
        assert [(p["code"], p["is_active"]) for p in listed] == [("ahec-pack", False)]

    def test_a_package_cannot_name_another_providers_course(self, alice_api: APIClient) -> None:
        package = {"code": "p", "title": "P", "price": "1", "courses": ["gage-ct-live"]}
        error = assert_error(
            alice_api.post("/api/v1/provider/packages/create/", package, format="json"), 400
        )
        assert 'unknown course "gage-ct-live"' in error["message"]
        assert not Package.objects.exists()


class TestBulkCatalog:
    def test_staff_import_a_whole_document(self, alice_api: APIClient, ct_outline: Any) -> None:
        document = catalog_document(
            CT_DOSE,
            CT_IMAGE,
            providers=[{"code": "ahec", "name": "AHEC", "url": "https://ahec.example.org"}],
            packages=[
                {
                    "code": "ahec-pack",
                    "provider": "ahec",
                    "title": "Pack",
                    "price": 50.0,
                    "courses": ["ahec-ct-dose", "ahec-ct-image"],
                }
            ],
        )
        first = alice_api.post("/api/v1/provider/catalog/", document, format="json")
        assert first.status_code == 200, first.content
        assert first.json()["courses_created"] == 2 and first.json()["packages_created"] == 1
        again = alice_api.post("/api/v1/provider/catalog/", document, format="json").json()
        assert again["courses_unchanged"] == 2 and again["revision_id"] is None

    def test_a_document_naming_another_provider_is_refused_whole(
        self, alice_api: APIClient, ct_outline: Any, charlie: Any
    ) -> None:
        error = assert_error(
            alice_api.post(
                "/api/v1/provider/catalog/", catalog_document(CT_DOSE, GAGE_LIVE), format="json"
            ),
            403,
            "permission_denied",
        )
        assert "gage" in error["message"]
        assert not Course.objects.exists()

    def test_an_invalid_record_rejects_the_whole_document(
        self, alice_api: APIClient, ct_outline: Any
    ) -> None:
        bad = {**CT_IMAGE, "price": "-3"}
        error = assert_error(
            alice_api.post(
                "/api/v1/provider/catalog/", catalog_document(CT_DOSE, bad), format="json"
            ),
            400,
            "validation_error",
        )
        assert 'courses[1] (code "ahec-ct-image"): price' in error["details"][0]["message"]
        assert not Course.objects.exists()

    def test_malformed_json_is_reported_like_the_command(self, alice_api: APIClient) -> None:
        error = assert_error(
            alice_api.post(
                "/api/v1/provider/catalog/", '{"format": ', content_type="application/json"
            ),
            400,
        )
        assert error["message"].startswith("malformed JSON")

    def test_outlines_are_for_site_administrators_only(
        self, alice_api: APIClient, ct_outline: Any
    ) -> None:
        outlines = [
            {
                "discipline": "CT",
                "name": "Computed Tomography",
                "version": "2099",
                "categories": [{"major": "Safety", "name": "Something New"}],
            }
        ]
        assert_error(
            alice_api.post(
                "/api/v1/provider/catalog/",
                catalog_document(CT_DOSE, outlines=outlines),
                format="json",
            ),
            403,
        )
        ct_outline.refresh_from_db()
        assert ct_outline.is_current

    def test_technologists_cannot_import(self, bob_api: APIClient, ct_outline: Any) -> None:
        assert_error(
            bob_api.post("/api/v1/provider/catalog/", catalog_document(CT_DOSE), format="json"),
            403,
        )
