from django.apps import AppConfig
from django.db.models.signals import post_delete


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans"

    def ready(self) -> None:
        from plans.certificates import certificate_delete_file
        from plans.models import Certificate

        post_delete.connect(
            certificate_delete_file, sender=Certificate, dispatch_uid="certificate-file"
        )
