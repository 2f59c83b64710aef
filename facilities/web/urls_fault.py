"""One fault: logging it, its page, its photos and the actions on it."""

from django.urls import path

from . import fault_detail, fault_log

urlpatterns = [
    path("faults/new/", fault_log.log_fault, name="fault_log"),
    path("faults/<int:pk>/", fault_detail.fault_detail, name="fault_detail"),
    path("faults/<int:pk>/logged/", fault_log.fault_logged, name="fault_logged"),
    path("faults/<int:pk>/photos/<int:photo_pk>/", fault_detail.fault_photo, name="fault_photo"),
    path("faults/<int:pk>/actions/<slug:action>/", fault_detail.fault_action, name="fault_action"),
]
