"""The one place that renders PDFs (WeasyPrint), and the printable recommendation.

Templates live in templates/pdf/. Only local files under static/ and data: URIs are
fetched while rendering: course links are printed, never loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from prescriptions.documents import PrescriptionSpec

PAPERS = ("letter", "a4")
# One font configuration per thread, reused across renders (about 10-20 % faster warm).
_local = threading.local()


def _static_base_url() -> str:
    return (settings.BASE_DIR / "static").as_uri() + "/"


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a Django template to PDF bytes; relative URLs resolve against static/."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    if getattr(_local, "fonts", None) is None:
        _local.fonts = FontConfiguration()
    html = render_to_string(template_name, dict(context))
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, timeout=2)
    document = HTML(string=html, base_url=_static_base_url(), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(font_config=_local.fonts)
    return pdf


def recommendation_pdf(
    *,
    spec: PrescriptionSpec,
    document: Mapping[str, Any],
    owner_name: str = "",
    paper: str = "letter",
) -> bytes:
    """The printable CE plan of bundle 1 of a `cqr-recommendation/1` document, or a
    one-page shortfall explanation when it is infeasible (`recommend --pdf`, contract §5).
    The same template as the web page's plan.pdf."""
    from prescriptions.selectors.plan_document import plan_document_from_recommendation

    plan = plan_document_from_recommendation(spec=spec, document=document, technologist=owner_name)
    return render_pdf(
        "pdf/plan.html", {"doc": plan, "paper": paper if paper in PAPERS else "letter"}
    )
