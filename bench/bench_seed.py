"""Run inside `manage.py shell` (Django set up; put bench/ on sys.path first): the CT
prescription the server benchmarks load, its bundles computed, and a signed-in session.
Used by bench/load_mix.py and bench/web_bundles_load.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def ct_prescription(*, username: str, title: str) -> tuple[Any, Any, str]:
    """(prescription, its latest run, a session id) for technologist `username`: three CT
    subcategories, a deadline 500 days out, 3 study hours a week."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from matching.models import MatchingRun
    from plans import services
    from prescriptions.documents import prescription_spec_from_document

    today = timezone.localdate()
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org"}
    )
    spec = prescription_spec_from_document(
        {
            "format": "cqr-prescription/1",
            "discipline": "CT",
            "issued_on": (today - timedelta(days=30)).isoformat(),
            "deadline": (today + timedelta(days=500)).isoformat(),
            "required": [
                {"category": "Image Formation", "credits": "3.0"},
                {"category": "Radiation Safety and Dose", "credits": "1.5"},
                {"category": "Abdomen and Pelvis", "credits": "2.0"},
            ],
            "hours_per_week": "3",
        }
    )
    prescription = services.prescription_create(
        owner=user, spec=spec, title=title, floating_as_of=True
    )
    run = MatchingRun.objects.filter(prescription=prescription).latest("id")
    client = Client()
    client.force_login(user)
    return prescription, run, client.cookies["sessionid"].value
