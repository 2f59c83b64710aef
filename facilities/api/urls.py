"""/api/v1/… endpoints, /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI, served locally)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound

from . import (  # noqa: F401  (schema registers)
    actions,
    events,
    faults,
    reference,
    reports,
    schema,
    webhooks,
)

app_name = "api"


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([])
def not_found(request, rest=""):
    """Any other /api/ address: a problem document rather than the HTML 404 page."""
    raise NotFound("There is no API endpoint at this address.")


not_found.cls.schema = None  # not part of the documented API

v1 = [
    path("v1/faults/", faults.FaultList.as_view(), name="fault-list"),
    path("v1/faults/<int:pk>/", faults.FaultDetail.as_view(), name="fault-detail"),
    path("v1/faults/<int:pk>/events/", events.FaultTimeline.as_view(), name="fault-events"),
    *[
        path(f"v1/faults/<int:pk>/{name}/", view.as_view(), name=f"fault-{name}")
        for name, view in actions.VIEWS.items()
    ],
    path("v1/events/", events.EventFeed.as_view(), name="events"),
    path("v1/premises/", reference.PremisesList.as_view(), name="premises-list"),
    path("v1/premises/<int:pk>/", reference.PremisesDetail.as_view(), name="premises-detail"),
    path("v1/categories/", reference.CategoryList.as_view(), name="category-list"),
    path("v1/contractors/", reference.ContractorList.as_view(), name="contractor-list"),
    path("v1/escalations/", reference.EscalationList.as_view(), name="escalation-list"),
    path("v1/reports/<slug:period>/", reports.ReportFiguresView.as_view(), name="report-figures"),
    path(
        "v1/webhook-deliveries/",
        webhooks.WebhookDeliveryList.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        "v1/webhook-deliveries/<int:pk>/replay/",
        webhooks.WebhookDeliveryReplay.as_view(),
        name="webhook-delivery-replay",
    ),
]

urlpatterns = [
    *v1,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # Its inline script with the response's CSP nonce, its inline style as a file.
        SpectacularSwaggerView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    re_path(r"^(?P<rest>.*)$", not_found),
]
