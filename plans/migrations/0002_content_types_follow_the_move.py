"""Plan, PlanItem and Certificate moved from prescriptions to plans (0001) with their tables.
Their content types move too, so that what points at them (admin history, permissions
given to groups or users) still does; a database made after the move has nothing to do."""

from django.db import migrations

MOVED = ("plan", "planitem", "certificate")


def _move_content_types(apps, schema_editor, *, source, target):
    """Relabel the moved models' content types from app `source` to `target`, unless the
    target's already exist (a database made after the move)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    types = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        old = types.filter(app_label=source, model=model)
        if old.exists() and not types.filter(app_label=target, model=model).exists():
            old.update(app_label=target)
    content_type.objects.clear_cache()


def content_types_to_plans(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="prescriptions", target="plans")


def content_types_to_prescriptions(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="plans", target="prescriptions")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("plans", "0001_initial"),
    ]

    operations = [migrations.RunPython(content_types_to_plans, content_types_to_prescriptions)]
