"""Only shared prescriptions count, and no figure rests on fewer than 5 of them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import OutlineVersion, Provider
from insights.selectors.dashboard import dashboard_for_provider
from insights.selectors.figures import ANONYMITY_THRESHOLD, HIDDEN_TEXT, figure, figure_row
from tests.integration.insights.conftest import CHEST, DOSE, FORMATION, course, shared_rx, today


def dose_row(provider: Provider) -> Any:
    board = dashboard_for_provider(provider=provider, discipline_code="CT", today=today())
    assert board.demand is not None
    return next(r for r in board.demand.rows if r.name == DOSE), board


class TestTheSuppressionRule:
    def test_the_threshold_is_five(self) -> None:
        assert ANONYMITY_THRESHOLD == 5
        assert HIDDEN_TEXT == "fewer than 5"

    def test_four_prescriptions_are_hidden_and_carry_no_value(self) -> None:
        hidden = figure(prescriptions=4, value=Decimal("7.50"))
        assert hidden.hidden and hidden.value is None and hidden.prescriptions is None
        assert str(hidden) == "fewer than 5"
        assert figure(prescriptions=0).hidden

    def test_five_prescriptions_are_shown(self) -> None:
        shown = figure(prescriptions=5, value=Decimal("7.5"))
        assert not shown.hidden
        assert (str(shown), shown.prescriptions) == ("7.50", 5)

    def test_a_row_hides_a_second_cell_when_the_total_would_reveal_the_first(self) -> None:
        cells = [(3, Decimal(3)), (6, Decimal(6)), (9, Decimal(9))]
        shown, total = figure_row(cells, (18, Decimal(18)))
        assert [f.hidden for f in shown] == [True, True, False]  # 18 - 9 = 3 + 6, not 3
        assert str(total) == "18.00"

    def test_a_row_needs_no_second_cell_when_the_hidden_cells_are_empty(self) -> None:
        shown, _ = figure_row([(0, 0), (6, Decimal(6)), (5, Decimal(5))], (11, Decimal(11)))
        assert [f.hidden for f in shown] == [True, False, False]

    def test_hidden_cells_together_holding_five_need_no_more_suppression(self) -> None:
        cells = [(2, Decimal(2)), (3, Decimal(3)), (6, Decimal(6))]
        shown, _ = figure_row(cells, (11, Decimal(11)))
        assert [f.hidden for f in shown] == [True, True, False]


@pytest.mark.django_db
class TestTheDashboardFigures:
    def test_four_shared_prescriptions_are_hidden(
        self, alice: Any, ct_outline: OutlineVersion
    ) -> None:
        for _ in range(4):
            shared_rx(ct_outline, {DOSE: "1.5"})
        row, board = dose_row(Provider.objects.get(code="ahec"))
        assert row.credits.hidden and row.prescriptions.hidden
        assert board.demand.prescriptions.hidden

    def test_five_shared_prescriptions_are_shown(
        self, alice: Any, ct_outline: OutlineVersion
    ) -> None:
        for credits in ("1.5", "1.5", "2", "1", "0.5"):
            shared_rx(ct_outline, {DOSE: credits})
        row, board = dose_row(Provider.objects.get(code="ahec"))
        assert (row.credits.value, row.prescriptions.value) == (Decimal("6.5"), 5)
        assert board.demand.prescriptions.value == 5

    def test_unshared_prescriptions_never_count(
        self, alice: Any, ct_outline: OutlineVersion
    ) -> None:
        for _ in range(4):
            shared_rx(ct_outline, {DOSE: "1"})
        for _ in range(6):
            shared_rx(ct_outline, {DOSE: "3"}, share=False)
        row, _ = dose_row(Provider.objects.get(code="ahec"))
        assert row.credits.hidden  # 4 shared: still hidden although 10 exist
        shared_rx(ct_outline, {DOSE: "1"})
        row, _ = dose_row(Provider.objects.get(code="ahec"))
        assert (row.credits.value, row.prescriptions.value) == (Decimal(5), 5)

    def test_past_deadlines_and_structured_education_do_not_count(
        self, alice: Any, ct_outline: OutlineVersion
    ) -> None:
        for _ in range(4):
            shared_rx(ct_outline, {DOSE: "1"})
        shared_rx(ct_outline, {DOSE: "1"}, deadline=today() - timedelta(days=1))
        other = shared_rx(ct_outline, {DOSE: "1"})
        other.kind = "structured-education"
        other.save()
        row, _ = dose_row(Provider.objects.get(code="ahec"))
        assert row.credits.hidden

    def test_the_gap_list_and_the_suggestion_ignore_hidden_demand(
        self, alice: Any, ct_outline: OutlineVersion
    ) -> None:
        for _ in range(4):
            shared_rx(ct_outline, {CHEST: "2", FORMATION: "1"})
        _, board = dose_row(Provider.objects.get(code="ahec"))
        assert board.gaps == []  # the provider has no course at all, but demand is hidden

    def test_the_page_shows_fewer_than_5_instead_of_a_number(
        self, client: Client, alice: Any, ct_outline: OutlineVersion
    ) -> None:
        ahec = Provider.objects.get(code="ahec")
        course(ahec, "ahec-dose", ct_outline, {DOSE: "1"})
        for _ in range(4):
            shared_rx(ct_outline, {DOSE: "1.25"})
        for _ in range(5):
            shared_rx(ct_outline, {CHEST: "2.25"})
        client.force_login(alice)
        html = client.get(reverse("insights:dashboard", args=[ahec.pk])).content.decode()
        assert "fewer than 5" in html
        assert "5.00" not in html  # the four dose prescriptions' 4 × 1.25 stays hidden
        assert "11.25" in html  # the five chest prescriptions are shown
