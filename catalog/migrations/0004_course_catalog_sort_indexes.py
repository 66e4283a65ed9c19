"""Indexes for the public catalog's sorts over active courses (catalog.selectors)."""

from django.db import migrations, models

# "Dearest first" orders by price DESC NULLS LAST: an index of its own on PostgreSQL.
# SQLite cannot index NULLS LAST (and sorts a small catalog quickly anyway).
PRICE_DESC_INDEX = "course_active_price_desc_idx"


def create_price_desc_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{PRICE_DESC_INDEX}" ON "catalog_course" '
            '("price" DESC NULLS LAST, "title", "code") WHERE "is_active"'
        )


def drop_price_desc_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{PRICE_DESC_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_private_courses"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="course",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["title", "code"],
                name="course_active_title_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="course",
            index=models.Index(
                condition=models.Q(("is_active", True)),
                fields=["price", "title", "code"],
                name="course_active_price_idx",
            ),
        ),
        migrations.RunPython(create_price_desc_index, drop_price_desc_index, elidable=False),
    ]
