from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("assets/<path:path>", views.frontend_asset, name="frontend_asset"),
    # Finding faults: the list, its download, premises pages.
    path("", include("facilities.web.urls_finding")),
    # One fault: logging it, its page and the actions on it.
    path("", include("facilities.web.urls_fault")),
    # Contractor performance reports.
    path("", include("facilities.web.urls_reports")),
    # The signed-in person's own API tokens.
    path("", include("facilities.web.urls_account")),
]
