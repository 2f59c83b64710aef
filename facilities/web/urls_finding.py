"""Finding faults: the fault list, its CSV download, premises pages and their QR posters."""

from django.urls import path

from . import fault_list, posters, premises_views

urlpatterns = [
    path("faults/", fault_list.fault_list, name="fault_list"),
    path("faults/download.csv", fault_list.fault_list_csv, name="fault_list_csv"),
    path("premises/<int:pk>/", premises_views.premises_detail, name="premises_detail"),
    # QR posters, and the short link their codes carry.
    path("p/<int:pk>/", posters.premises_short_link, name="premises_short_link"),
    path("premises/<int:pk>/poster.<str:fmt>", posters.premises_poster, name="premises_poster"),
    path("regions/<int:pk>/posters.pdf", posters.region_posters, name="region_posters"),
]
