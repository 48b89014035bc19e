from django.urls import path

from events import views

urlpatterns = [
    path("api/client/generateAuthenticationToken", views.TokenView.as_view()),
    path("api/v2/calendar-events/batch", views.BatchView.as_view()),
]
