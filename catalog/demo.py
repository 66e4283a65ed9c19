"""A realistic, fictional demo catalog as a `cqr-catalog/1` document.

Deterministic for a given seed (`random.Random(seed)`), so `seed_demo` is idempotent: the
same document is imported every time and the import's upsert changes nothing the second
time. Subcategory names come from the caller (the database's current outlines), so the
document always names categories that exist.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from core.money import CENT

DEMO_SEED = 2026
QUARTER = Decimal("0.25")

# {discipline code: [(major category, subcategory), ...]} in outline order.
OutlineNames = Mapping[str, Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class DemoProvider:
    code: str
    name: str
    url: str
    # Disciplines it writes for, with relative weights.
    disciplines: Mapping[str, int]
    courses: int
    # Formats with relative weights.
    formats: Mapping[str, int]
    price_per_credit: tuple[int, int]  # dollars, inclusive range
    package_only_share: float = 0.0
    free_share: float = 0.0


PROVIDERS: tuple[DemoProvider, ...] = (
    DemoProvider(
        code="northwind",
        name="Northwind Imaging Education",
        url="https://northwind-imaging.example.org",
        disciplines={"CT": 5, "R": 3, "MR": 2},
        courses=46,
        formats={"online": 6, "home-study": 3, "webinar": 1},
        price_per_credit=(9, 18),
        package_only_share=0.12,
    ),
    DemoProvider(
        code="lakeside",
        name="Lakeside Radiology CE",
        url="https://lakeside-ce.example.com",
        disciplines={"CT": 3, "R": 4, "N": 1, "M": 1},
        courses=40,
        formats={"online": 5, "home-study": 5},
        price_per_credit=(6, 12),
        package_only_share=0.2,
    ),
    DemoProvider(
        code="summit",
        name="Summit Modality Academy",
        url="https://summit-academy.example.net",
        disciplines={"MR": 5, "CT": 3, "R": 1},
        courses=38,
        formats={"online": 6, "webinar": 2, "live": 1},
        price_per_credit=(12, 24),
        package_only_share=0.08,
    ),
    DemoProvider(
        code="prairie-srt",
        name="Prairie State Society of Radiologic Technologists",
        url="https://prairie-srt.example.org",
        disciplines={"R": 3, "CT": 2, "M": 1, "MR": 1},
        courses=22,
        formats={"webinar": 4, "live": 3, "online": 2},
        price_per_credit=(0, 10),
        free_share=0.3,
    ),
    DemoProvider(
        code="clearview",
        name="ClearView Breast Imaging Institute",
        url="https://clearview-breast.example.org",
        disciplines={"M": 5, "BS": 2, "BD": 1, "S": 1},
        courses=32,
        formats={"online": 5, "home-study": 3, "webinar": 1},
        price_per_credit=(8, 16),
        package_only_share=0.1,
    ),
)

# Course topics per discipline; {sub} is replaced by a subcategory's own name when a
# discipline has no hand-written topics.
TOPICS: dict[str, list[str]] = {
    "CT": [
        "CT Dose Optimization in Practice",
        "Iterative Reconstruction Explained",
        "Contrast Media Safety for CT Technologists",
        "CT Angiography of the Head and Neck",
        "Chest CT: Protocols and Pathology",
        "Abdominal and Pelvic CT Protocols",
        "Musculoskeletal CT Essentials",
        "Pediatric CT: Image Gently in Practice",
        "Cardiac CT Fundamentals",
        "CT Artifacts and How to Fix Them",
        "Spiral Scanning and Pitch",
        "Dual-Energy CT Basics",
        "PACS, Archiving and Image Evaluation for CT",
        "Patient Assessment and Care in the CT Suite",
        "CT Perfusion and Stroke Imaging",
        "Sectional Anatomy for CT: Neck and Thorax",
        "Sectional Anatomy for CT: Abdomen",
        "CT-Guided Interventional Procedures",
        "Trauma CT Workflows",
        "CT Dose Indices: CTDIvol and DLP",
    ],
    "MR": [
        "MRI Safety Screening and Zones",
        "Pulse Sequences Demystified",
        "k-Space Without Tears",
        "Neuro MRI Protocols",
        "Body MRI: Liver and Pancreas",
        "Musculoskeletal MRI of the Knee and Shoulder",
        "MR Angiography Techniques",
        "Gadolinium Contrast: Safety and Use",
        "Diffusion-Weighted Imaging",
        "MRI Artifacts and Remedies",
        "Implants and Devices in the MR Environment",
        "Parallel Imaging and Acceleration",
        "Patient Care for MRI Technologists",
        "Spine MRI Essentials",
        "Cardiac MRI Fundamentals",
        "Signal, Noise and Resolution Trade-offs",
    ],
    "R": [
        "Radiation Protection for Radiographers",
        "Radiobiology Refresher",
        "Digital Radiography Exposure Indicators",
        "Grids, Scatter and Image Quality",
        "Chest and Abdomen Radiography Review",
        "Upper Extremity Positioning",
        "Lower Extremity Positioning",
        "Skull, Spine and Pelvis Radiography",
        "Equipment QA for Radiographers",
        "Mobile and Trauma Radiography",
        "Patient Communication and Infection Control",
        "Pediatric Radiography Techniques",
        "Fluoroscopy Safety",
        "Image Critique: Positioning Errors",
        "Radiographic Physics Essentials",
        "Pharmacology and Contrast for Radiographers",
    ],
    "M": [
        "Mammographic Positioning Masterclass",
        "Digital Breast Tomosynthesis Essentials",
        "MQSA and Mammography QC",
        "Breast Anatomy and Pathology",
        "Patient Care in Mammography",
        "Implant Imaging Techniques",
        "Screening versus Diagnostic Mammography",
        "Artifacts in Digital Mammography",
        "Breast Cancer Risk and Density",
        "Image Evaluation in Mammography",
        "Contrast-Enhanced Mammography",
        "Positioning the Challenging Patient",
    ],
    "N": [
        "Radiopharmaceuticals Refresher",
        "SPECT Quality Control",
        "PET/CT Fundamentals",
        "Nuclear Cardiology Protocols",
        "Radiation Safety in Nuclear Medicine",
        "Thyroid and Endocrine Imaging",
    ],
    "BS": [
        "Breast Ultrasound Technique",
        "Breast Ultrasound Pathology",
        "Ultrasound-Guided Breast Biopsy",
    ],
    "BD": [
        "DXA Scanning Precision",
        "Fracture Risk Assessment with DXA",
        "Bone Densitometry QC",
    ],
    "S": [
        "Ultrasound Physics Review",
        "Abdominal Sonography Essentials",
        "OB Sonography: First Trimester",
    ],
}

VARIANTS = (
    "{topic}",
    "{topic}",
    "{topic}: Essentials",
    "{topic}, Part {part}",
    "Advanced {topic}",
    "{topic} — A CQR Review",
    "{topic} Case Studies",
)

BASIC_WORDS = ("Essentials", "Fundamentals", "Basics", "Refresher", "Explained", "Review")

# Disciplines whose outlines overlap: a course for the first may also carry credit in the
# second (e.g. dose courses for CT and radiography).
CROSS_CREDIT = {"CT": "R", "R": "CT", "M": "BS", "BS": "M", "MR": "CT", "N": "CT"}

EVENT_FORMATS = frozenset({"webinar", "live"})
# The provider that offers the state topic courses (`_state_topic_courses`).
STATE_SOCIETY = "prairie-srt"


@dataclass
class _Course:
    code: str
    provider: str
    title: str
    format: str
    price: Decimal | None
    ce_credits: Decimal
    hours: Decimal
    approval_expires: date | None
    event_date: date | None
    url: str
    distribution: list[tuple[str, str, Decimal]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        tags = {"tags": self.tags} if self.tags else {}
        return {
            "code": self.code,
            "provider": self.provider,
            "title": self.title,
            "format": self.format,
            "price": _text(self.price),
            "ce_credits": _text(self.ce_credits),
            "hours": _text(self.hours),
            "approval_expires": self.approval_expires.isoformat()
            if self.approval_expires
            else None,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "url": self.url,
            "distribution": [
                {"discipline": d, "category": name, "credits": _text(credits)}
                for d, name, credits in self.distribution
            ],
            **tags,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(CENT)}"


def _quarters(value: Decimal) -> Decimal:
    """Round down to a multiple of 0.25 (credit distributions come in quarters)."""
    return (value / QUARTER).to_integral_value(rounding=ROUND_FLOOR) * QUARTER


def _quarters_up(value: Decimal) -> Decimal:
    """Round up to a multiple of 0.25 (study time never below 50 minutes per credit)."""
    return (value / QUARTER).to_integral_value(rounding=ROUND_CEILING) * QUARTER


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def demo_catalog_document(*, outlines: OutlineNames, seed: int = DEMO_SEED) -> dict[str, Any]:
    """The demo catalog for the given current outlines (disciplines missing there are skipped)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    providers: list[dict[str, Any]] = []
    courses: list[_Course] = []
    packages: list[dict[str, Any]] = []
    for provider in PROVIDERS:
        disciplines = {d: w for d, w in provider.disciplines.items() if outlines.get(d)}
        if not disciplines:
            continue
        providers.append({"code": provider.code, "name": provider.name, "url": provider.url})
        own = _provider_courses(rng, provider, disciplines, outlines)
        courses.extend(own)
        packages.extend(_provider_packages(rng, provider, own))
        if provider.code == STATE_SOCIETY:
            courses.extend(_state_topic_courses(provider))
    return {
        "format": "cqr-catalog/1",
        "providers": providers,
        "courses": [course.document() for course in courses],
        "packages": packages,
    }


def _provider_courses(
    rng: random.Random,
    provider: DemoProvider,
    disciplines: Mapping[str, int],
    outlines: OutlineNames,
) -> list[_Course]:
    titles_used: set[str] = set()
    result: list[_Course] = []
    for number in range(1, provider.courses + 1):
        discipline = _weighted(rng, disciplines)
        title = _title(rng, discipline, outlines, titles_used)
        course_format = _weighted(rng, provider.formats)
        ce_credits = Decimal(rng.choice(["0.5", "1", "1", "1.5", "2", "2", "2.5", "3", "4"]))
        code = f"{provider.code}-{discipline.lower()}-{number:03d}"
        course = _Course(
            code=code,
            provider=provider.code,
            title=title,
            format=course_format,
            price=_price(rng, provider, ce_credits),
            ce_credits=ce_credits,
            hours=_hours(rng, ce_credits, course_format),
            approval_expires=None,
            event_date=None,
            url=f"{provider.url}/courses/{code}",
        )
        _dates(rng, course)
        course.distribution = _distribution(rng, discipline, ce_credits, outlines)
        course.tags = _tags(discipline, course.distribution)
        result.append(course)
    result.append(_all_in_one(rng, provider, disciplines, outlines))
    return result


def _all_in_one(
    rng: random.Random,
    provider: DemoProvider,
    disciplines: Mapping[str, int],
    outlines: OutlineNames,
) -> _Course:
    """One long course covering a whole outline, the "all your credits in one" offer."""
    discipline = max(disciplines, key=lambda d: disciplines[d])
    names = [name for _, name in outlines[discipline]]
    rows = [(discipline, name, Decimal(rng.choice(["0.75", "1", "1.25", "1.5"]))) for name in names]
    ce_credits = max(Decimal(12), sum((c for _, _, c in rows), Decimal(0)))
    code = f"{provider.code}-{discipline.lower()}-complete"
    course = _Course(
        code=code,
        provider=provider.code,
        title=f"Complete {discipline} CQR Review: Every Content Category",
        format="home-study" if "home-study" in provider.formats else "online",
        price=Decimal(rng.choice(["99.50", "119.00", "129.95", "149.00"])),
        ce_credits=ce_credits,
        hours=_quarters_up(ce_credits * Decimal(50) / Decimal(60)),
        approval_expires=date(2028, 12, 31),
        event_date=None,
        url=f"{provider.url}/courses/{code}",
    )
    course.distribution = rows
    course.tags = _tags(discipline, rows)
    return course


# Disciplines whose work uses ionizing radiation: their courses count where a state licence
# asks for hours on it (Texas, California; docs/obligation-sources.md).
IONIZING = frozenset({"R", "CT", "M", "N", "T", "BD", "CI", "VI", "RRA"})


def _tags(discipline: str, distribution: list[tuple[str, str, Decimal]]) -> list[str]:
    """The tags obligation templates count (docs/obligation-sources.md): `mammography`
    (MQSA) on mammography courses, `ionizing-radiation` on the ionizing disciplines',
    `digital-radiography` (California) on radiography courses about image production."""
    tags = ["mammography"] if discipline == "M" else []
    if discipline in IONIZING:
        tags.append("ionizing-radiation")
    if discipline == "R" and any(d == "R" and "Image" in name for d, name, _ in distribution):
        tags.append("digital-radiography")
    return tags


def _state_topic_courses(provider: DemoProvider) -> list[_Course]:
    """The state society's courses on topics licences require by law, outside any ARRT
    outline (no CQR distribution): Texas's human-trafficking training, Florida's HIV/AIDS
    hour. Fixed, so the rest of the demo catalog stays as its seed makes it."""
    rows = (
        (
            "human-trafficking",
            "Human Trafficking: Recognize, Respond, Report (Texas HHSC-approved)",
            "online",
            Decimal("0.00"),
        ),
        (
            "hiv-aids",
            "HIV/AIDS: Transmission, Infection Control and Florida Law",
            "home-study",
            Decimal("12.00"),
        ),
    )
    courses = []
    for tag, title, course_format, price in rows:
        code = f"{provider.code}-{tag}"
        course = _Course(
            code=code,
            provider=provider.code,
            title=title,
            format=course_format,
            price=price,
            ce_credits=Decimal(1),
            hours=Decimal(1),
            approval_expires=date(2028, 6, 30),
            event_date=None,
            url=f"{provider.url}/courses/{code}",
        )
        course.tags = [tag]
        courses.append(course)
    return courses


def _title(rng: random.Random, discipline: str, outlines: OutlineNames, used: set[str]) -> str:
    topics = TOPICS.get(discipline) or [f"{name}: A Review" for _, name in outlines[discipline]]
    for _ in range(50):
        variant = rng.choice(VARIANTS)
        topic = rng.choice(topics)
        if topic.endswith(BASIC_WORDS) and any(w in variant for w in ("Advanced", *BASIC_WORDS)):
            continue
        if ":" in topic and ":" in variant:
            continue
        title = variant.format(topic=topic, part=rng.choice(["1", "2", "3"]))
        if title not in used:
            used.add(title)
            return title
    title = f"{rng.choice(topics)} ({len(used) + 1})"
    used.add(title)
    return title


def _price(rng: random.Random, provider: DemoProvider, ce_credits: Decimal) -> Decimal | None:
    if rng.random() < provider.free_share:
        return Decimal("0.00")
    low, high = provider.price_per_credit
    per_credit = Decimal(rng.randint(low, high))
    raw = max(Decimal(5), per_credit * ce_credits)
    # Prices end in .00 or .95 like real storefronts; never above $150.
    dollars = min(Decimal(149), raw.to_integral_value(rounding=ROUND_HALF_UP))
    cents = rng.choice([Decimal("0.00"), Decimal("0.95"), Decimal("0.00")])
    return dollars + cents


def _hours(rng: random.Random, ce_credits: Decimal, course_format: str) -> Decimal:
    base = ce_credits * Decimal(50) / Decimal(60)
    if course_format == "home-study":
        base *= Decimal(rng.choice(["1.0", "1.2", "1.5"]))  # readings take longer
    return max(QUARTER, _quarters_up(base))


def _dates(rng: random.Random, course: _Course) -> None:
    if course.format in EVENT_FORMATS:
        course.event_date = date(2027, 1, 12) + timedelta(days=rng.randint(0, 330))
        course.approval_expires = course.event_date + timedelta(days=rng.randint(30, 365))
        return
    roll = rng.random()
    if roll < 0.08:
        # A few approvals lapse soon, so the admin's "expiring within 90 days" filter has work.
        course.approval_expires = date(2026, 12, 15) + timedelta(days=rng.randint(0, 60))
    elif roll < 0.9:
        course.approval_expires = date(2027, 6, 30) + timedelta(days=rng.randint(0, 900))


def _distribution(
    rng: random.Random, discipline: str, ce_credits: Decimal, outlines: OutlineNames
) -> list[tuple[str, str, Decimal]]:
    """ARRT's distribution: per discipline at most the CE credits, often less."""
    if rng.random() < 0.04:
        return []  # biennial CE only: no CQR distribution
    rows = _rows_for(rng, discipline, ce_credits, outlines, rows_max=3)
    other = CROSS_CREDIT.get(discipline)
    if other and outlines.get(other) and rng.random() < 0.2:
        rows += _rows_for(rng, other, ce_credits, outlines, rows_max=1, share=Decimal("0.5"))
    return rows


def _rows_for(
    rng: random.Random,
    discipline: str,
    ce_credits: Decimal,
    outlines: OutlineNames,
    *,
    rows_max: int,
    share: Decimal | None = None,
) -> list[tuple[str, str, Decimal]]:
    names = [name for _, name in outlines[discipline]]
    picked = rng.sample(names, k=min(len(names), rng.randint(1, rows_max)))
    # Often only part of the content falls within the outline.
    fraction = share or Decimal(rng.choice(["1", "1", "0.75", "0.5", "0.5", "0.25"]))
    budget = max(QUARTER, _quarters(ce_credits * fraction))
    rows: list[tuple[str, str, Decimal]] = []
    remaining = budget
    for index, name in enumerate(picked):
        left = len(picked) - index - 1
        if remaining < QUARTER:
            break
        if left == 0:
            credits = remaining
        else:
            most = remaining - QUARTER * left
            credits = max(QUARTER, _quarters(most * Decimal(rng.choice(["0.3", "0.5", "0.7"]))))
        rows.append((discipline, name, credits))
        remaining -= credits
    return rows


def _provider_packages(
    rng: random.Random, provider: DemoProvider, courses: list[_Course]
) -> list[dict[str, Any]]:
    """Two to four packages; every package-only course (price null) lands in one."""
    if len(courses) < 4:
        return []
    pool = [c for c in courses if c.format not in EVENT_FORMATS]
    count = min(4, max(2, len(pool) // 10))
    members: list[list[_Course]] = [[] for _ in range(count)]
    for index, course in enumerate(rng.sample(pool, k=min(len(pool), count * 6))):
        members[index % count].append(course)
    packages = []
    names = ["Complete CQR Pack", "Safety Bundle", "Procedures Bundle", "Quick Credits Pack"]
    for index, group in enumerate(members):
        if len(group) < 2:
            continue
        list_price = sum((c.price for c in group if c.price is not None), Decimal(0))
        discount = Decimal(rng.choice(["0.55", "0.65", "0.75"]))
        price = min(Decimal(149), max(Decimal(10), (list_price * discount).to_integral_value()))
        packages.append(
            {
                "code": f"{provider.code}-pack-{index + 1}",
                "provider": provider.code,
                "title": f"{provider.name.split()[0]} {names[index % len(names)]}",
                "price": _text(price),
                "courses": [c.code for c in group],
            }
        )
        # Some members are sold only inside a package.
        for course in group:
            if rng.random() < provider.package_only_share * 2:
                course.price = None
    return packages
