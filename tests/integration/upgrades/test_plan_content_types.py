"""plans 0002: the moved models' content types follow them, keeping what points at them."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from plans.models import Certificate, Plan, PlanItem

migration = importlib.import_module("plans.migrations.0002_content_types_follow_the_move")
EDITOR = SimpleNamespace(connection=connection)


def test_a_database_from_before_the_move_keeps_its_admin_history(db: None) -> None:
    ContentType.objects.filter(app_label="plans").delete()  # as it was before the move
    old = {
        name: ContentType.objects.create(app_label="prescriptions", model=name)
        for name in ("plan", "planitem", "certificate")
    }
    entry = LogEntry.objects.create(
        user=get_user_model().objects.create(username="site-staff", is_staff=True),
        content_type=old["plan"],
        object_id="1",
        object_repr="plan 1",
        action_flag=ADDITION,
    )
    migration.content_types_to_plans(apps, EDITOR)
    ContentType.objects.clear_cache()
    for name, model in (("plan", Plan), ("planitem", PlanItem), ("certificate", Certificate)):
        assert ContentType.objects.get_for_model(model).pk == old[name].pk
    entry.refresh_from_db()
    assert entry.content_type.app_label == "plans"
    assert not ContentType.objects.filter(app_label="prescriptions", model="plan").exists()
    migration.content_types_to_prescriptions(apps, EDITOR)  # and back
    assert ContentType.objects.get(pk=old["plan"].pk).app_label == "prescriptions"


def test_a_database_made_after_the_move_is_left_alone(db: None) -> None:
    before = set(ContentType.objects.values_list("pk", "app_label", "model"))
    migration.content_types_to_plans(apps, EDITOR)
    assert set(ContentType.objects.values_list("pk", "app_label", "model")) == before
