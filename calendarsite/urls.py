from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from calendars import pages as calendar_pages
from calendarsite import ops
from calendarsite import pages as site_pages
from calendarsite.admin_login import admin_login
from events import pages as event_pages

# The admin says whose it is (its "View site" link goes to the front page, "/").
admin.site.site_header = "Calendar service administration"
admin.site.site_title = "Calendar service admin"
admin.site.index_title = "Business calendars, events and API access"

urlpatterns = [
    path("", site_pages.home, name="home"),
    # The admin's own login, limited per address and per username (before admin/).
    path("admin/login/", admin_login, name="admin-login"),
    # For load balancers and Prometheus (docs/operations.md).
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("staff/users/<int:user_id>/week/", event_pages.user_week, name="staff-user-week"),
    path(
        "staff/calendars/<str:calendar_id>/week/",
        calendar_pages.calendar_week,
        name="staff-calendar-week",
    ),
    # The OpenAPI document of both families (YAML, or JSON with ?format=json) and its
    # interactive page (docs/openapi.md).
    path("api/schema/", site_pages.SchemaView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("", include("events.urls")),
    path("", include("calendars.urls")),
]

# Errors Django answers itself, before or around the views: JSON under /api/ and /grs/.
handler400 = "calendarsite.api.bad_request"
handler500 = "calendarsite.api.server_error"
