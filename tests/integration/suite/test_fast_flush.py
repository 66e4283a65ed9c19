"""The suite's DELETE flush (tests/conftest.py) leaves what TRUNCATE would: it relies on
every foreign key being checked at commit, which these tests pin."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from catalog.models import Course, CreditDistribution, OutlineVersion
from tests.factories import CourseFactory, DistributionFactory, make_outline

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the DELETE flush replaces PostgreSQL's TRUNCATE"
)


def test_every_foreign_key_is_checked_at_commit(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE contype = 'f' AND NOT (condeferrable AND condeferred)"
        )
        immediate = cursor.fetchall()
    assert immediate == [], "a foreign key the DELETE flush could trip over"


def test_the_flush_empties_rows_that_refer_to_each_other(transactional_db: None) -> None:
    outline = make_outline()
    DistributionFactory(
        course=CourseFactory(), subcategory=outline.subcategories.first(), credits=1
    )
    assert connection.ops.sql_flush(no_style(), ["catalog_course"]) == [
        'DELETE FROM "catalog_course";'
    ]
    call_command("flush", "--noinput", verbosity=0)
    assert not Course._base_manager.exists()
    assert not CreditDistribution.objects.exists()
    assert not OutlineVersion.objects.exists()
