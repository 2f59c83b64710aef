"""Contractor performance reports: the picker, a period's report, downloads (prepared by a
worker), issued reports and reissuing."""

from django.urls import path

from . import prepared_views as prepared
from . import reports_views as views

urlpatterns = [
    path("reports/", views.report_index, name="report_index"),
    path("reports/all/", views.report_choose, name="report_choose"),
    path("reports/definitions/", views.report_definitions, name="report_definitions"),
    path("reports/issued/<int:pk>/reissue/", prepared.report_reissue, name="report_reissue"),
    path("reports/reissues/<int:pk>/", prepared.report_reissuing, name="report_reissuing"),
    path("reports/prepared/<int:pk>/", prepared.report_prepared, name="report_prepared"),
    path(
        "reports/prepared/<int:pk>/file/",
        prepared.report_prepared_file,
        name="report_prepared_file",
    ),
    path(
        "reports/issued/<int:pk>/<str:fmt>/",
        views.report_snapshot_download,
        name="report_snapshot_download",
    ),
    path("reports/<slug:period>/", views.report_month, name="report_month"),
    path(
        "reports/<slug:period>/download.<str:fmt>",
        prepared.report_download,
        name="report_download",
    ),
]
