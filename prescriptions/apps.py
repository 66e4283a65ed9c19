from django.apps import AppConfig
from django.db.models.signals import post_delete


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "Prescriptions"

    def ready(self) -> None:
        from prescriptions.certificates import certificate_delete_file
        from prescriptions.models import Certificate

        post_delete.connect(
            certificate_delete_file, sender=Certificate, dispatch_uid="certificate-file"
        )
