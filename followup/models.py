"""Follow-up after the plan: reminder preferences and what was sent, plan alerts, and
private calendar subscriptions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from matching.models import Bundle, MatchingRun
from prescriptions.models import Prescription


class ReminderPreference(models.Model):
    """Per user: whether reminders are emailed (on unless switched off)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    email_reminders = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: reminders {'on' if self.email_reminders else 'off'}"


class SentReminder(models.Model):
    """One reminder claimed for sending, at most once per (user, key).

    A run inserts its claims first (the unique key refuses a second claim), sends, then
    sets `sent_at`; a failed send removes its claims so a later run tries again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    claim = models.UUIDField()
    summary = models.CharField(max_length=300)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="sent_reminder_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.key}"


class PlanAlert(models.Model):
    """A recomputed run found a cheaper plan than the chosen one, or a chosen course is no
    longer available; the owner is told on the site and by email."""

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="plan_alerts"
    )
    run = models.ForeignKey(MatchingRun, on_delete=models.CASCADE, related_name="+")
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="+")
    current_price = models.DecimalField(max_digits=9, decimal_places=2)
    new_price = models.DecimalField(max_digits=9, decimal_places=2)
    # Plain-words reasons: "cheaper by $12.00", "“X” is no longer offered", ...
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "run"], name="plan_alert_unique"),
        ]

    def __str__(self) -> str:
        return f"Alert for {self.prescription} (run {self.run_id})"

    @property
    def saving(self) -> Decimal:
        return self.current_price - self.new_price


class CalendarFeed(models.Model):
    """A private subscription URL for a prescription's calendar; the token is the key.
    Revoking deletes the row (the URL then 404s); regenerating is revoke + a new one."""

    prescription = models.OneToOneField(
        Prescription, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.prescription}"
