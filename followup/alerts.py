"""The cheaper-plan alert: after a catalog change, a recomputed run may cost less than the
chosen plan from now on, or a chosen course may no longer be available. The owner is told
on the site (a banner on the plan and bundles pages) and once by email, and can switch to
the new bundle in one click (`plan_choose` keeps the courses marked done).

Like for like: both the chosen bundle and the new one are priced by what is still to pay
given the courses already done (a course or package bought for a done course is paid).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from followup.models import PlanAlert
from followup.reminders import reminders_enabled, site_url, unsubscribe_token
from matching.models import Bundle, MatchingRun
from plans.models import Plan, PlanItem
from plans.selectors.lines import package_members
from plans.services import plan_choose
from prescriptions.models import Prescription
from prescriptions.selectors.wording import amount, human_date

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Comparison:
    current: Decimal  # still to pay for the chosen plan
    new: Decimal  # still to pay for the new bundle
    reasons: list[str]


def cost_to_go(bundle: Bundle, done: set[int]) -> Decimal:
    """What is still to pay for `bundle` when the courses `done` are done (and so paid)."""
    purchases = list(bundle.purchases.all())
    members = package_members([bundle])
    total = ZERO
    for purchase in purchases:
        if purchase.kind == "course":
            if purchase.course_id not in done:
                total += purchase.price
        elif not done.intersection(members.get(purchase.package_id or 0, [])):
            total += purchase.price
    return total


def unavailable_reasons(plan: Plan, *, today: Any) -> list[str]:
    """Planned (not done) courses of the plan that can no longer be taken, in words."""
    reasons = []
    for item in plan.items.filter(status=PlanItem.Status.PLANNED).select_related("course"):
        course = item.course
        if not course.is_active or not course.cqr_eligible:
            reasons.append(f"“{course.title}” is no longer offered for CQR credit.")
        elif course.approval_expires is not None and course.approval_expires < today:
            reasons.append(
                f"The ARRT approval of “{course.title}” expired on "
                f"{human_date(course.approval_expires)}."
            )
        elif course.event_date is not None and course.event_date < today:
            reasons.append(
                f"“{course.title}” took place on {human_date(course.event_date)} "
                "and is not marked done."
            )
    return reasons


def compare(plan: Plan, bundle: Bundle) -> Comparison | None:
    """The chosen plan against a new bundle, or None when there is nothing to tell."""
    if plan.bundle is None or plan.bundle_id == bundle.pk:
        return None
    done = set(plan.items.filter(status=PlanItem.Status.DONE).values_list("course_id", flat=True))
    current, new = cost_to_go(plan.bundle, done), cost_to_go(bundle, done)
    reasons = unavailable_reasons(plan, today=timezone.localdate())
    if new < current:
        reasons.insert(
            0,
            f"A new plan costs ${amount(current - new)} less from now on "
            f"(${amount(new)} instead of ${amount(current)}).",
        )
    elif not reasons:
        return None
    return Comparison(current=current, new=new, reasons=reasons)


def alert_after_run(*, run: MatchingRun) -> PlanAlert | None:
    """On a finished run (matching's run_finished): raise an alert when the run, computed
    with a newer catalog than the chosen plan's, is cheaper or the plan has unavailable
    courses; email the owner once. Older open alerts of the prescription are superseded."""
    if run.status != MatchingRun.Status.DONE:
        return None
    plan = (
        Plan.objects.filter(prescription_id=run.prescription_id)
        .select_related("bundle__run", "prescription__owner")
        .first()
    )
    if plan is None or plan.bundle is None or plan.bundle.run_id == run.pk:
        return None
    if run.catalog_revision <= plan.bundle.run.catalog_revision:
        return None  # the catalog did not change since the plan's run
    if MatchingRun.objects.filter(prescription_id=run.prescription_id, id__gt=run.pk).exists():
        return None  # a newer run will decide
    best = Bundle.objects.filter(run=run).order_by("rank").first()
    if best is None:
        return None
    comparison = compare(plan, best)
    PlanAlert.objects.filter(prescription_id=run.prescription_id, resolved_at=None).update(
        resolved_at=timezone.now()
    )
    if comparison is None:
        return None
    try:
        with transaction.atomic():
            alert = PlanAlert.objects.create(
                prescription_id=run.prescription_id,
                run=run,
                bundle=best,
                current_price=comparison.current,
                new_price=comparison.new,
                reasons=comparison.reasons,
            )
    except IntegrityError:  # a duplicate delivery of the same run: already alerted
        return None
    alert_email(alert, plan.prescription)
    return alert


def alert_email(alert: PlanAlert, prescription: Prescription) -> bool:
    """Email the owner about the alert, at most once (claimed by a conditional update)."""
    owner = prescription.owner
    if not owner.email or not reminders_enabled(owner):
        return False
    now = timezone.now()
    if PlanAlert.objects.filter(pk=alert.pk, emailed_at=None).update(emailed_at=now) != 1:
        return False
    unsubscribe = site_url(reverse("followup:unsubscribe", args=[unsubscribe_token(owner)]))
    body = render_to_string(
        "followup/alert_email.txt",
        {
            "alert": alert,
            "prescription": prescription,
            "plan_url": site_url(reverse("prescriptions:plan", args=[prescription.pk])),
            "unsubscribe_url": unsubscribe,
        },
    )
    subject = (
        f"A cheaper plan for “{prescription}”: save ${amount(alert.saving)}"
        if alert.saving > 0
        else f"A course of your plan for “{prescription}” needs attention"
    )
    message = EmailMessage(
        subject=subject[:150],
        body=body,
        to=[owner.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    try:
        message.send()
    except Exception:
        logger.exception("plan alert %s: email failed", alert.pk)
        PlanAlert.objects.filter(pk=alert.pk).update(emailed_at=None)
        return False
    return True


def open_alert_flag() -> Exists:
    """`has_open_alert` of a prescription (registered with the plans' access helper, so a
    page with no open alert needs no query for it)."""
    return Exists(PlanAlert.objects.filter(prescription_id=OuterRef("pk"), resolved_at=None))


def alert_active(prescription: Prescription) -> PlanAlert | None:
    """The open alert to show: of the latest run, for a plan not already switched."""
    if not getattr(prescription, "has_open_alert", True):
        return None
    alert = (
        PlanAlert.objects.filter(prescription=prescription, resolved_at=None)
        .select_related("bundle")
        .first()
    )
    if alert is None:
        return None
    latest = (
        MatchingRun.objects.filter(prescription=prescription)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    plan = Plan.objects.filter(prescription=prescription).first()
    if latest != alert.run_id or plan is None or plan.bundle_id == alert.bundle_id:
        return None
    return alert


@transaction.atomic
def alert_switch(*, prescription: Prescription) -> tuple[PlanAlert, Plan] | None:
    """Choose the alert's bundle as the plan (done courses stay done) and close the alert."""
    alert = alert_active(prescription)
    if alert is None:
        return None
    plan = plan_choose(prescription=prescription, bundle=alert.bundle)
    PlanAlert.objects.filter(pk=alert.pk).update(resolved_at=timezone.now())
    return alert, plan


def alert_dismiss(*, prescription: Prescription) -> bool:
    return bool(
        PlanAlert.objects.filter(prescription=prescription, resolved_at=None).update(
            resolved_at=timezone.now()
        )
    )
