"""Catalog: ARRT content outlines, providers and their courses, credit distributions, packages."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class Discipline(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class OutlineVersion(TimeStampedModel):
    """One version of a discipline's content outline, in force from `effective_from`.

    Which version is in force on a date is decided by `catalog.outline_dates` (one rule);
    `is_current` caches its answer for today (refreshed by `catalog.services.
    outlines_refresh_current` on every outline write and daily), so list queries can filter
    on it. Exactly one version per discipline is current.
    """

    discipline = models.ForeignKey(Discipline, on_delete=models.CASCADE, related_name="outlines")
    version = models.CharField(max_length=40)
    effective_from = models.DateField(
        null=True,
        blank=True,
        help_text="First day in force; empty for an undated (legacy) version.",
    )
    effective_until = models.DateField(
        null=True, blank=True, help_text="Last day in force; empty until the next version's start."
    )
    # When a catalog import made this (undated) version current: among undated versions
    # the most recently adopted one is in force (contract §1: an import's version becomes
    # current also over a shipped outline of the same discipline).
    adopted_at = models.DateTimeField(null=True, blank=True, editable=False)
    source = models.TextField(
        blank=True, help_text="Where the names come from (a URL or citation)."
    )
    confirmed = models.BooleanField(
        default=False, help_text="Checked against ARRT's own published content specification."
    )
    note = models.TextField(blank=True)
    is_current = models.BooleanField(default=True, editable=False)

    class Meta:
        ordering = ["discipline__code", "-is_current", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["discipline", "version"], name="outline_version_unique"
            ),
            models.UniqueConstraint(
                fields=["discipline"],
                condition=Q(is_current=True),
                name="outline_one_current_per_discipline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.discipline.code} outline {self.version}"


class MajorCategory(models.Model):
    outline = models.ForeignKey(OutlineVersion, on_delete=models.CASCADE, related_name="majors")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["outline", "position", "name"]
        verbose_name_plural = "major categories"
        constraints = [
            models.UniqueConstraint(fields=["outline", "name"], name="major_unique_in_outline"),
        ]

    def __str__(self) -> str:
        return self.name


class Subcategory(models.Model):
    """A content subcategory: what prescriptions and credit distributions name."""

    # Denormalised from major.outline so names are unique per outline and lookups are cheap.
    outline = models.ForeignKey(
        OutlineVersion, on_delete=models.CASCADE, related_name="subcategories"
    )
    major = models.ForeignKey(MajorCategory, on_delete=models.CASCADE, related_name="subcategories")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["outline", "major__position", "position", "name"]
        verbose_name_plural = "subcategories"
        constraints = [
            models.UniqueConstraint(
                fields=["outline", "name"], name="subcategory_unique_in_outline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outline.discipline.code}: {self.name}"


class SubcategoryMapping(models.Model):
    """Old wording -> new: a subcategory of one outline version and what it became in the
    next version of the discipline. Several rows from one subcategory: it was split;
    several rows to one: they were merged. Credits move along these rows as described in
    `catalog.credits`."""

    # Denormalised from to_subcategory.outline: the version these mappings lead into (so
    # the admin edits them inline with it).
    outline = models.ForeignKey(OutlineVersion, on_delete=models.CASCADE, related_name="mappings")
    from_subcategory = models.ForeignKey(
        Subcategory, on_delete=models.CASCADE, related_name="mapped_to"
    )
    to_subcategory = models.ForeignKey(
        Subcategory, on_delete=models.CASCADE, related_name="mapped_from"
    )

    class Meta:
        ordering = ["outline", "from_subcategory__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_subcategory", "to_subcategory"], name="subcategory_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_subcategory.name} → {self.to_subcategory.name}"


class SubcategoryAlias(models.Model):
    """An older wording of a subcategory name that still resolves to it."""

    outline = models.ForeignKey(OutlineVersion, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    subcategory = models.ForeignKey(Subcategory, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name_plural = "subcategory aliases"
        constraints = [
            models.UniqueConstraint(fields=["outline", "alias"], name="alias_unique_in_outline"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.subcategory.name}"


class Provider(TimeStampedModel):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderMembership(TimeStampedModel):
    """Makes a user staff of a provider: they manage that provider's catalog only."""

    class Role(models.TextChoices):
        EDITOR = "editor", "Editor"
        MANAGER = "manager", "Manager"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_memberships"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider}"


class CourseFormat(models.TextChoices):
    ONLINE = "online", "Online"
    HOME_STUDY = "home-study", "Home study"
    WEBINAR = "webinar", "Webinar"
    LIVE = "live", "Live event"


EVENT_FORMATS = frozenset({CourseFormat.WEBINAR.value, CourseFormat.LIVE.value})


class CatalogCourseManager(models.Manager["Course"]):
    """The catalog: provider courses only, never a technologist's own (private) course.

    `Course.objects` is this manager, so every catalog listing, filter, export, import,
    insight and provider page excludes private courses without asking; the few readers
    that must see them (the owner's pages, the matching problem, plans) use
    `Course.all_courses` with an owner condition.
    """

    def get_queryset(self) -> models.QuerySet[Course]:
        return super().get_queryset().filter(owner__isnull=True)


class Course(TimeStampedModel):
    # Null exactly for a private course (then `owner` and `provider_name` are set).
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="courses", null=True, blank=True
    )
    # A course a technologist found outside the catalog and added for their own plans only
    # (plans.private_courses); null for every catalog course.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="private_courses",
    )
    # The provider as the technologist typed it (private courses only).
    provider_name = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    format = models.CharField(max_length=20, choices=CourseFormat.choices)
    # Null: sold only inside packages.
    price = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    ce_credits = models.DecimalField(max_digits=9, decimal_places=2, verbose_name="CE credits")
    hours = models.DecimalField(max_digits=9, decimal_places=2)
    approval_expires = models.DateField(null=True, blank=True)
    event_date = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    arrt_activity_id = models.CharField("ARRT activity ID", max_length=60, blank=True)
    cqr_eligible = models.BooleanField("CQR eligible", default=True)
    is_active = models.BooleanField(default=True)
    # Topic and approval tags (contract §1), lower-case, unique and sorted (catalog.rules).
    # A JSON list keeps import/export one column; selectors filter on it portably.
    tags = models.JSONField(default=list, blank=True)

    objects = CatalogCourseManager()
    all_courses = models.Manager()

    class Meta:
        ordering = ["provider__name", "code"]
        # Related managers (a prescription's completed courses, a plan's items) and model
        # validation see private courses too; catalog code reads `Course.objects`.
        default_manager_name = "all_courses"
        base_manager_name = "all_courses"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "code"], name="course_code_unique_per_provider"
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=True, provider__isnull=False)
                | Q(owner__isnull=False, provider__isnull=True),
                name="course_catalog_or_private",
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="course_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ce_credits__gt=0), name="course_ce_credits_positive"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="course_hours_not_negative"),
        ]
        indexes = [
            # Candidate queries filter active courses by code (prescription completed/owned lists).
            models.Index(fields=["code"], name="course_code_idx"),
            # The public catalog's sorts (catalog.selectors.COURSE_SORTS) over active courses:
            # a page is read in index order, not sorted out of 100k rows. Ascending is
            # NULLS LAST by default on PostgreSQL; "dearest first" (price DESC NULLS LAST)
            # has a PostgreSQL-only index in migration 0004 (SQLite cannot index NULLS LAST).
            models.Index(
                fields=["title", "code"],
                name="course_active_title_idx",
                condition=Q(is_active=True),
            ),
            models.Index(
                fields=["price", "title", "code"],
                name="course_active_price_idx",
                condition=Q(is_active=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    @property
    def is_private(self) -> bool:
        return self.owner_id is not None

    @property
    def provider_label(self) -> str:
        """The provider's name as pages show it (a private course's typed name)."""
        return self.provider.name if self.provider is not None else self.provider_name

    @property
    def provider_code_label(self) -> str:
        """The provider's code, or for a private course `PRIVATE_PROVIDER_CODE`."""
        return self.provider.code if self.provider is not None else PRIVATE_PROVIDER_CODE


def course_visible_q(owner_id: int | None, path: str = "") -> Q:
    """The courses a technologist may plan with: the catalog's, plus their own private
    ones (`owner_id` None: the catalog only). `path` prefixes the lookups, e.g. "course__"
    for distribution rows."""
    visible = Q(**{f"{path}owner__isnull": True})
    if owner_id is not None:
        visible |= Q(**{f"{path}owner_id": owner_id})
    return visible


# The provider code the engine and documents give every private course (it never names a
# catalog provider: provider codes are slugs without spaces or parentheses).
PRIVATE_PROVIDER_CODE = "(added by you)"


class CreditDistribution(models.Model):
    """ARRT's credit distribution: CQR credits of a course in one subcategory."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="distribution")
    subcategory = models.ForeignKey(
        Subcategory, on_delete=models.PROTECT, related_name="distribution_rows"
    )
    credits = models.DecimalField(max_digits=9, decimal_places=2)

    class Meta:
        ordering = ["subcategory__outline__discipline__code", "subcategory__position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "subcategory"], name="distribution_unique"),
            models.CheckConstraint(
                condition=Q(credits__gt=0), name="distribution_credits_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code}: {self.subcategory} = {self.credits}"


class Package(TimeStampedModel):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="packages")
    code = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    price = models.DecimalField(max_digits=9, decimal_places=2)
    courses: models.ManyToManyField[Course, PackageItem] = models.ManyToManyField(
        Course, through="PackageItem", related_name="packages"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider__name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "code"], name="package_code_unique_per_provider"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    # A private course is never sold in a package (it has no catalog provider).
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="package_items",
        limit_choices_to={"owner__isnull": True},
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "course"], name="package_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.package.code} ∋ {self.course.code}"


class CatalogRevision(models.Model):
    """A change to the catalog; runs computed on an older revision may be stale."""

    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)
    providers = models.ManyToManyField(Provider, blank=True, related_name="+")
    # An outline change: the disciplines whose prescriptions it affects.
    disciplines = models.ManyToManyField(Discipline, blank=True, related_name="+")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Catalog revision {self.pk}: {self.reason}"


DEFAULT_MINUTES_PER_CREDIT = Decimal(50)


class CourseImportJob(TimeStampedModel):
    """A course CSV uploaded in the admin and imported in the background (a Celery task):
    its file, its progress (rows read / rows in the file) and its outcome. The import is
    all or nothing: a failed job changed nothing and lists every error by row and column."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Imported"
        FAILED = "failed", "Nothing imported"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The providers the file's rows may name (the uploader's); null: any (site staff).
    provider_codes = models.JSONField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    content = models.TextField(help_text="The uploaded CSV (emptied when the job ends).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    # [{"row": 3, "field": "price", "message": "..."}]; row/field null for the whole file.
    errors = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Course import {self.pk} ({self.file_name}): {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
