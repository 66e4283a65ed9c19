from django.apps import AppConfig


class FollowupConfig(AppConfig):
    """After the plan: reminders by email, the cheaper-plan alert, calendar subscriptions.

    It sits above prescriptions and matching: they never import it; it hears of finished
    runs through matching's `run_finished` signal.
    """

    name = "followup"
    verbose_name = "Follow-up"

    def ready(self) -> None:
        from followup.receivers import connect

        connect()
