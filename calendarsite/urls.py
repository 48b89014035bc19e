from django.contrib import admin
from django.urls import include, path

from events import pages as event_pages

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/users/<int:user_id>/week/", event_pages.user_week, name="staff-user-week"),
    path("", include("events.urls")),
    path("", include("calendars.urls")),
]
