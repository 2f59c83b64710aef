"""Contractor performance reports: the picker, a period's report, downloads, issued reports."""

from django.urls import path

from . import reports_views as views

urlpatterns = [
    path("reports/", views.report_index, name="report_index"),
    path("reports/all/", views.report_choose, name="report_choose"),
    path("reports/definitions/", views.report_definitions, name="report_definitions"),
    path("reports/issued/<int:pk>/reissue/", views.report_reissue, name="report_reissue"),
    path(
        "reports/issued/<int:pk>/<str:fmt>/",
        views.report_snapshot_download,
        name="report_snapshot_download",
    ),
    path("reports/<slug:period>/", views.report_month, name="report_month"),
    path("reports/<slug:period>/download.<str:fmt>", views.report_download, name="report_download"),
]
