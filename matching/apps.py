from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from catalog.signals import catalog_revised
        from matching import tasks  # noqa: F401  (registers the task run services publish by name)
        from matching.receivers import mark_runs_stale, mark_runs_stale_for_template
        from obligations.models import ObligationTemplate, TemplateRequirement

        catalog_revised.connect(mark_runs_stale, dispatch_uid="matching-mark-runs-stale")
        for model in (ObligationTemplate, TemplateRequirement):
            for signal, when in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(
                    mark_runs_stale_for_template,
                    sender=model,
                    dispatch_uid=f"matching-stale-{model.__name__}-{when}",
                )
