"""The revenue core's day: which days' routine has run, so the scheduler runs it once a day."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RevenueDayRun(models.Model):
    day = models.DateField(_("business date"), unique=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("revenue day")
        verbose_name_plural = _("revenue days")

    def __str__(self) -> str:
        return self.day.isoformat()
