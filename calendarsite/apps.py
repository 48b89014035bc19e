from django.apps import AppConfig


class CalendarSiteConfig(AppConfig):
    """The site's own plumbing that needs every app loaded; last in INSTALLED_APPS."""

    name = "calendarsite"
    verbose_name = "Calendar service"

    def ready(self) -> None:
        from django.contrib import admin

        from calendarsite.admin_choices import guard_admin_choices

        # Every app's admin module is loaded by now (the admin app's ready ran first).
        guard_admin_choices(admin.site)
