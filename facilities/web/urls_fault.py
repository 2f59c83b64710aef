"""One fault: logging it, its page, its photos, the actions on it and its breaches' disputes."""

from django.urls import path

from . import disputes_views, fault_actions, fault_detail, fault_log

urlpatterns = [
    path("faults/new/", fault_log.log_fault, name="fault_log"),
    path("faults/<int:pk>/", fault_detail.fault_detail, name="fault_detail"),
    path("faults/<int:pk>/logged/", fault_log.fault_logged, name="fault_logged"),
    path("faults/<int:pk>/photos/<int:photo_pk>/", fault_detail.fault_photo, name="fault_photo"),
    path(
        "faults/<int:pk>/photos/<int:photo_pk>/thumbnail/",
        fault_detail.fault_photo_thumbnail,
        name="fault_photo_thumbnail",
    ),
    path("faults/<int:pk>/actions/<slug:action>/", fault_actions.fault_action, name="fault_action"),
    path(
        "faults/<int:pk>/breaches/<int:breach_pk>/dispute/",
        disputes_views.breach_dispute,
        name="breach_dispute",
    ),
    path(
        "faults/<int:pk>/disputes/<int:dispute_pk>/decide/",
        disputes_views.dispute_decide,
        name="dispute_decide",
    ),
]
