from django.urls import path

from matching import views

app_name = "matching"

urlpatterns = [
    path("<int:run_id>/status/", views.run_status, name="run_status"),
]
