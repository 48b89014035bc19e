from django.urls import path

from calendars import views

# No trailing slashes, as the vendor's paths. Ids are matched as any path segment and
# parsed by the views: a malformed tenant id is "not a member" (403), a malformed
# package or calendar id "not found" (404), in the family's shape.
PACKAGE = "grs/v1/tenant/<str:tenant_id>/package/<str:package_id>/"
NODE = "grs/v1/tenant/<str:tenant_id>/businessnode/<str:node_id>/"

urlpatterns = [
    path("grs/v1/login", views.LoginView.as_view()),
    path("grs/v1/tenants", views.TenantsView.as_view()),
    path("grs/v1/permissions/<str:tenant_id>", views.PermissionsView.as_view()),
    path("grs/v1/changepassword", views.ChangePasswordView.as_view()),
    path("grs/v1/tenant/<str:tenant_id>/businesshierarchy", views.BusinessHierarchyView.as_view()),
    path(NODE + "packages", views.NodePackagesView.as_view()),
    path(NODE + "package", views.NodePackageCreateView.as_view()),
    path(NODE + "package/<str:package_id>", views.NodePackageView.as_view()),
    path(PACKAGE + "calendars", views.CalendarListView.as_view()),
    path(PACKAGE + "calendar", views.CalendarCreateView.as_view()),
    path(PACKAGE + "calendar/<str:calendar_id>", views.CalendarView.as_view()),
    path(PACKAGE + "businesscalendarbody/<str:calendar_id>", views.CalendarBodyView.as_view()),
    path(PACKAGE + "lockcalendar/<str:calendar_id>", views.LockView.as_view()),
    path(PACKAGE + "unlockcalendar/<str:calendar_id>", views.UnlockView.as_view()),
    # Business time (docs/business-time.md).
    *(
        path(
            f"{PACKAGE}calendar/<str:calendar_id>/{suffix}",
            view.as_view(),
            name=f"grs-business-time-{name}",
        )
        for suffix, view, name in (
            ("working", views.WorkingView, "working"),
            ("next-working", views.NextWorkingView, "next-working"),
            ("add", views.AddView, "add"),
            ("duration", views.DurationView, "duration"),
            ("business-time", views.BusinessTimeBulkView, "bulk"),
        )
    ),
]
