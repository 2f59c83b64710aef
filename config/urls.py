from django.contrib import admin
from django.urls import include, path

from facilities.operations.health import Healthz

urlpatterns = [
    # No sign-in, no personal data: for load balancers and uptime monitors.
    path("healthz", Healthz.as_view(), name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("facilities.api.urls")),
    path("", include("facilities.web.urls")),
]

# A GOV.UK 503 page when the database cannot be reached, else the 500 page.
handler500 = "facilities.operations.errors.server_error"
