"""`GET /api/v1/reports/<period>/`: the report page's figures, for the caller's scope."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest

from facilities import tasks
from facilities.faults.workflow import fault_attend, fault_fix
from facilities.models import PreparationStatus, PreparedReport
from facilities.reports.issue import figures_json
from tests.reports.pages import report_page
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db

MARCH = "2025-03"


@pytest.fixture
def worked(estate, clock, contractor_user, other_contractor_user):
    """Some work done in March, so the figures are not all zero: two days after T0."""
    fault_attend(fault=estate.heating, actor=contractor_user, now=T0 + timedelta(hours=1))
    fault_fix(fault=estate.heating, actor=contractor_user, note="Pump", now=T0 + timedelta(hours=5))
    fault_attend(fault=estate.alarm, actor=contractor_user, now=T0 + timedelta(hours=3))
    fault_attend(
        fault=estate.outsider_heating, actor=other_contractor_user, now=T0 + timedelta(hours=2)
    )
    clock.move_to(T0 + timedelta(days=2), tick=False)
    return estate


def figures(client, url: str, query=None):
    """The API's answer once the figures are built: the first ask is a 202 (never a build in
    the request); the worker's task builds them, as a worker would; asking again is a 200."""
    first = client.get(url, query)
    if first.status_code != 202:
        return first
    assert first["Retry-After"] == "5"
    assert first.json()["status"] == "preparing"
    row = PreparedReport.objects.filter(status=PreparationStatus.PREPARING).latest("pk")
    assert tasks.prepare_report(row.pk) == "ready"
    return client.get(url, query)


def page_figures(client, user, period: str, **query) -> dict:
    client.force_login(user)
    url = f"/reports/{period}/" + (f"?{urlencode(query)}" if query else "")
    response = report_page(client, url)  # built by the worker on its first view
    assert response.status_code == 200
    return figures_json(response.context["report"])


@pytest.mark.parametrize(
    "role", ["regional_manager", "contractor_user", "office_manager", "other_contractor_user"]
)
def test_the_figures_are_the_report_pages(request, client, api_as, worked, role):
    user = request.getfixturevalue(role)
    response = figures(api_as(role), f"/api/v1/reports/{MARCH}/")
    assert response.status_code == 200, response.json()
    assert response.json() == page_figures(client, user, MARCH)


def test_a_region_and_a_contractor_from_the_callers_lists(
    client, api_as, worked, regional_manager, region, contractor
):
    query = {"region": region.pk, "contractor": contractor.pk}
    response = figures(api_as("regional_manager"), f"/api/v1/reports/{MARCH}/", query)
    assert response.status_code == 200
    assert response.json() == page_figures(client, regional_manager, MARCH, **query)
    assert response.json()["selection"] == {
        "Region": "North East",
        "Contractor": "North Facilities Ltd",
    }


def test_a_date_range_as_in_the_pages_addresses(client, api_as, worked, regional_manager):
    period = "2025-03-01_2025-03-05"
    response = figures(api_as("regional_manager"), f"/api/v1/reports/{period}/")
    assert response.status_code == 200
    assert response.json()["period"] == {"first": "2025-03-01", "last": "2025-03-05"}
    assert response.json() == page_figures(client, regional_manager, period)


def test_a_contractor_sees_only_its_own_figures(api_as, worked, contractor, other_contractor):
    """Counted independently: the estate logs four faults in the region (one cancelled) and
    two outside it; the contractor's fixed one heating fault and attended two."""
    mine = figures(api_as("contractor_user"), f"/api/v1/reports/{MARCH}/").json()
    assert [g["contractor"] for g in mine["by_contractor"]] == ["North Facilities Ltd"]
    assert mine["total"]["logged"] == 4
    assert mine["total"]["fixed"] == 1
    attended = sum(p["attend"]["done"] for p in mine["total"]["priorities"].values())
    assert attended == 2
    assert "Cymru Estates Ltd" not in str(mine)

    theirs = figures(api_as("other_contractor_user"), f"/api/v1/reports/{MARCH}/").json()
    assert [g["contractor"] for g in theirs["by_contractor"]] == ["Cymru Estates Ltd"]
    assert theirs["total"]["logged"] == 2
    assert theirs["total"]["fixed"] == 0
    assert "North Facilities Ltd" not in str(theirs)

    # Asking for the other company's figures is a 404, as on the report page.
    asked = api_as("contractor_user").get(
        f"/api/v1/reports/{MARCH}/", {"contractor": other_contractor.pk}
    )
    assert asked.status_code == 404
    assert asked["Content-Type"] == "application/problem+json"
    assert asked.json()["detail"] == "Choose a contractor from the list."


def test_a_region_outside_the_callers_scope_is_a_404(client, api_as, worked, other_region):
    response = api_as("regional_manager").get(
        f"/api/v1/reports/{MARCH}/", {"region": other_region.pk}
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Choose a region from the list."


@pytest.mark.parametrize(
    "period",
    ["2025-13", "march", "2025-03-31_2025-03-01", "2024-01-01_2025-03-01", "1999-12", "2025-3"],
)
def test_a_period_that_is_not_one_is_a_404_problem(api_as, worked, period):
    response = api_as("regional_manager").get(f"/api/v1/reports/{period}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not found"


def test_a_period_not_yet_started_is_a_404(api_as, worked):
    response = api_as("regional_manager").get("/api/v1/reports/2025-04/")
    assert response.status_code == 404
    assert response.json()["detail"] == "This period has not started yet."


def test_signed_out_is_a_401(worked):
    from rest_framework.test import APIClient

    response = APIClient().get(f"/api/v1/reports/{MARCH}/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_the_first_ask_never_builds_in_the_request_and_one_build_serves_every_ask(api_as, worked):
    client = api_as("regional_manager")
    url = f"/api/v1/reports/{MARCH}/"
    asks = [client.get(url) for _ in range(3)]  # a client polling before the worker ran
    assert [a.status_code for a in asks] == [202, 202, 202]
    rows = PreparedReport.objects.all()
    assert rows.count() == 1  # one build for every ask of the same choice and data
    assert tasks.prepare_report(rows.get().pk) == "ready"
    assert client.get(url).status_code == 200


def test_a_failed_build_is_tried_again_when_asked_again(api_as, worked):
    client = api_as("regional_manager")
    url = f"/api/v1/reports/{MARCH}/"
    assert client.get(url).status_code == 202
    PreparedReport.objects.update(status=PreparationStatus.FAILED, error="The worker stopped")
    again = client.get(url)
    assert again.status_code == 202
    row = PreparedReport.objects.get()
    assert (row.status, row.error) == (PreparationStatus.PREPARING, "")
    assert tasks.prepare_report(row.pk) == "ready"
    assert client.get(url).status_code == 200
