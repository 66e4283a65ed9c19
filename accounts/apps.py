from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from accounts.auth_backends import forget_on_change

        user_model = get_user_model()
        for signal in (post_save, post_delete):
            signal.connect(forget_on_change, sender=user_model, dispatch_uid="auth-user-cache")
