"""Load the demo catalog and demo accounts (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.services import profile_ensure
from catalog.demo import DEMO_SEED, PROVIDERS, OutlineNames, demo_catalog_document
from catalog.models import Course, OutlineVersion, Provider, ProviderMembership, Subcategory
from catalog.services import (
    CatalogImportError,
    catalog_import,
    outlines_load_default,
    staff_grant_catalog_permissions,
)

# For local use only: printed by this command and in the README.
DEMO_TECH = ("tech", "tech@example.org", "demo-tech-2026")
DEMO_STAFF = ("staff", "staff@example.org", "demo-staff-2026")
DEMO_ADMIN = ("admin", "admin@example.org", "demo-admin-2026")


class Command(BaseCommand):
    help = (
        "Load the demo catalog (fictional providers, 150+ courses, packages) through the "
        "regular catalog import, plus three demo accounts: a technologist, staff of the "
        "first demo provider and a superuser. Idempotent: running it again changes nothing. "
        "Loads the shipped content outlines first when none exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds courses (used by `make run`).",
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="Demo data seed.")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even with DJANGO_DEBUG=false (the demo passwords are public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with published passwords; refusing to run with "
                "DJANGO_DEBUG=false (pass --allow-without-debug to override)."
            )
        if options["if_empty"] and Course.objects.exists():
            self.stdout.write("The catalog already has courses; demo data not loaded.")
            return
        with transaction.atomic():
            self._load_outlines()
            document = demo_catalog_document(outlines=current_outline_names(), seed=options["seed"])
            try:
                summary = catalog_import(document=document, source="seed_demo")
            except CatalogImportError as exc:
                raise CommandError(f"The demo catalog was rejected:\n{exc}") from exc
            self.stdout.write(f"Demo catalog: {summary.describe()}")
            self._create_users()

    def _load_outlines(self) -> None:
        if not OutlineVersion.objects.filter(is_current=True).exists():
            self.stdout.write(f"Content outlines: {outlines_load_default().describe()}")

    def _create_users(self) -> None:
        user_model = get_user_model()
        lines = ["", "Demo accounts (local use only):"]

        username, email, password = DEMO_TECH
        tech = _user_ensure(username=username, email=email, password=password)
        profile_ensure(user=tech)
        lines.append(f"  technologist   {username} / {password}   ({email})")

        username, email, password = DEMO_STAFF
        staff = _user_ensure(username=username, email=email, password=password)
        provider = Provider.objects.get(code=PROVIDERS[0].code)
        ProviderMembership.objects.get_or_create(
            user=staff, provider=provider, defaults={"role": ProviderMembership.Role.MANAGER}
        )
        staff_grant_catalog_permissions(user=staff)
        lines.append(f"  provider staff {username} / {password}   (staff of {provider.name})")

        username, email, password = DEMO_ADMIN
        admin = _user_ensure(username=username, email=email, password=password)
        if not (admin.is_staff and admin.is_superuser):
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
        lines.append(f"  site admin     {username} / {password}")
        lines.append(f"  ({user_model.objects.count()} users in the database)")
        self.stdout.write("\n".join(lines))


def _user_ensure(*, username: str, email: str, password: str) -> Any:
    """The demo user, created once; its password is reset to the published one."""
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def current_outline_names() -> OutlineNames:
    """{discipline code: [(major, subcategory), ...]} of every current outline."""
    names: dict[str, list[tuple[str, str]]] = {}
    rows = (
        Subcategory.objects.filter(outline__is_current=True)
        .order_by("outline__discipline__code", "major__position", "position", "name")
        .values_list("outline__discipline__code", "major__name", "name")
    )
    for code, major, name in rows:
        names.setdefault(code, []).append((major, name))
    return names
