from django.urls import path

from events import views

urlpatterns = [
    path("api/client/generateAuthenticationToken", views.TokenView.as_view()),
    path("api/v2/calendar-events", views.EventListView.as_view()),
    path("api/v2/calendar-events/batch", views.BatchView.as_view()),
    path("api/v2/calendar-events/<int:event_id>", views.EventDetailView.as_view()),
    path(
        "api/v2/calendar-events/feeds/<str:secret>.ics",
        views.feed_view,
        name="calendar-events-feed",
    ),
]
