from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("outlines/", views.outline_list, name="outline_list"),
]
