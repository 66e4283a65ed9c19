"""Accounts: a technologist's profile. Provider staff are users with a ProviderMembership."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.models import Discipline
from core.models import TimeStampedModel


class Profile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    full_name = models.CharField(max_length=200, blank=True)
    arrt_id = models.CharField("ARRT ID", max_length=20, blank=True)
    disciplines = models.ManyToManyField(Discipline, blank=True, related_name="+")

    def __str__(self) -> str:
        return self.full_name or str(self.user)
