from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from catalog.signals import catalog_revised
        from matching.receivers import mark_runs_stale

        catalog_revised.connect(mark_runs_stale, dispatch_uid="matching-mark-runs-stale")
