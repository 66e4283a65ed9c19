from django.urls import path

from obligations import views

app_name = "obligations"

urlpatterns = [
    path("", views.obligation_list, name="list"),
    path("<int:obligation_id>/delete/", views.obligation_delete, name="delete"),
]
