from django.urls import path

from followup import views

app_name = "followup"

urlpatterns = [
    path("reminders/", views.reminder_settings, name="reminders"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
