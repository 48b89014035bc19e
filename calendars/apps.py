from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save


def _user_saved(sender, instance, **kwargs) -> None:
    # AbstractBaseUser.save() keeps the new raw password in _password until after the
    # row is written (and post_save sent): set_password() was called for this save.
    from calendars import services

    services.user_saved(
        user=instance, password_changed=getattr(instance, "_password", None) is not None
    )


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = "Business calendars (GRS)"

    def ready(self) -> None:
        # Credentials follow the user (docs/grs.md, Sessions): however a user is saved
        # (admin, manage.py changepassword, shell, API), a new password or a deactivation
        # ends their GRS sessions and so frees their locks.
        post_save.connect(
            _user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="calendars.user_saved"
        )
