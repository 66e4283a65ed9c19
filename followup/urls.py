from django.urls import path

from followup import views

app_name = "followup"

urlpatterns = [
    path("reminders/", views.reminder_settings, name="reminders"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
    path(
        "prescriptions/<int:prescription_id>/calendar/",
        views.calendar_link,
        name="calendar_link",
    ),
    path(
        "prescriptions/<int:prescription_id>/switch/",
        views.alert_switch,
        name="alert_switch",
    ),
    path(
        "prescriptions/<int:prescription_id>/keep/",
        views.alert_dismiss,
        name="alert_dismiss",
    ),
]
