"""Plan, PlanItem and Certificate moved from prescriptions to plans (0001) with their tables.
Their content types move too, so that what points at them (admin history, permissions
given to groups or users) still does; a database made after the move has nothing to do."""

from django.db import migrations

MOVED = ("plan", "planitem", "certificate")


def content_types_to_plans(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        old = content_type.objects.using(db).filter(app_label="prescriptions", model=model)
        new = content_type.objects.using(db).filter(app_label="plans", model=model)
        if old.exists() and not new.exists():
            old.update(app_label="plans")
    content_type.objects.clear_cache()


def content_types_to_prescriptions(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        new = content_type.objects.using(db).filter(app_label="plans", model=model)
        old = content_type.objects.using(db).filter(app_label="prescriptions", model=model)
        if new.exists() and not old.exists():
            new.update(app_label="prescriptions")
    content_type.objects.clear_cache()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("plans", "0001_initial"),
    ]

    operations = [migrations.RunPython(content_types_to_plans, content_types_to_prescriptions)]
