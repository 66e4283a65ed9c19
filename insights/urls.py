from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("insights/", views.insights_home, name="home"),
    path("insights/<int:provider_id>/", views.dashboard, name="dashboard"),
    path("insights/<int:provider_id>/suggestion/", views.suggestion, name="suggestion"),
]
