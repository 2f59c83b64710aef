"""Finding faults: the fault list, its CSV download and premises pages."""

from django.urls import path

from . import fault_list, premises_views

urlpatterns = [
    path("faults/", fault_list.fault_list, name="fault_list"),
    path("faults/download.csv", fault_list.fault_list_csv, name="fault_list_csv"),
    path("premises/<int:pk>/", premises_views.premises_detail, name="premises_detail"),
]
