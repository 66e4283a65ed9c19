from django.contrib import admin
from django.urls import include, path

from catalog.views import home

urlpatterns = [
    path("", home, name="home"),
    path("catalog/", include("catalog.urls")),
    path("prescriptions/", include("plans.urls")),
    path("runs/", include("matching.urls")),
    path("followup/", include("followup.urls")),
    path("provider/", include("insights.urls")),
    path("obligations/", include("obligations.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("cqr_portal.api_urls")),
]
