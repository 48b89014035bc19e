from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Calendar events (12Twenty)"

    def ready(self) -> None:
        # 12Twenty's UserId is 64-bit: so are users' ids (calendarsite/userids.py).
        from calendarsite.userids import widen_after_migrate, widen_user_pk

        widen_user_pk()
        post_migrate.connect(widen_after_migrate, sender=self)
