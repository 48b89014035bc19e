from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from calendars import pages as calendar_pages
from calendarsite import ops
from events import pages as event_pages

urlpatterns = [
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
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("", include("events.urls")),
    path("", include("calendars.urls")),
]
