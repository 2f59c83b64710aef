"""The fault list and the home page ask the database the same number of questions however
many faults there are, and read each person's scope once (issue 13: pages near the
database's own speed); the shortcuts taken for speed show what the shared components show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from facilities.faults.workflow import fault_log
from facilities.finding.filters import FaultFilter
from facilities.models import FaultStatus
from facilities.web.fault_list import (
    PRIORITY_TAGS,
    SINGLE_CHOICE_FILTERS,
    STATUS_TAGS,
    select_options,
)
from tests.factories import category
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db

#: Queries of each page whatever the number of faults: the session and the user, then for
#: the list the premises (the scope and the premises and region choices; a regional manager's
#: regions first), categories, contractors and the page of faults; for the home page the
#: scope (premises named), the figures, the most overdue, what is waiting (each section a
#: count too once it has more than it shows) and the regions for posters.
LIST_QUERIES = {"office_manager": 6, "regional_manager": 7, "national_manager": 6}
LIST_QUERIES["contractor_user"] = 6
HOME_QUERIES = {"office_manager": 7, "regional_manager": 11, "national_manager": 7}
HOME_QUERIES["contractor_user"] = 7


def log_faults(n: int, premises, who, minutes: int = 0) -> None:
    for i in range(n):
        fault_log(
            premises=premises,
            category=category("heating-hot-water" if i % 2 else "lifts"),
            location=f"Room {i}",
            description="Radiator cold",
            reported_by=who,
            now=T0 - timedelta(days=3, minutes=minutes + i),
        )


def queries(client, url: str) -> tuple[int, list[str]]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("role", list(LIST_QUERIES))
def test_the_list_and_the_home_page_ask_the_same_questions_for_3_faults_as_for_60(
    client, request, clock, premises, contract, office_manager, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    log_faults(3, premises, office_manager)
    few_list, _ = queries(client, "/faults/?status=all")
    few_home, _ = queries(client, "/")
    log_faults(57, premises, office_manager, minutes=10)
    many_list, sql = queries(client, "/faults/?status=all")
    many_home, home_sql = queries(client, "/")
    assert (few_list, many_list) == (LIST_QUERIES[role], LIST_QUERIES[role]), sql
    assert few_home <= many_home == HOME_QUERIES[role], home_sql


@pytest.mark.parametrize("role", ["office_manager", "regional_manager"])
def test_the_scope_is_read_once_a_page(client, request, clock, premises, contract, role):
    """Once for the list, and once for the home page's figures and lists (it was read up to
    seven times); a regional manager's home page also names the regions in a sentence, and
    `posters.poster_regions` reads them for the posters."""
    client.force_login(request.getfixturevalue(role))
    home = 1 if role == "office_manager" else 3
    for url, reads in (("/faults/", 1), ("/", home)):
        _, sql = queries(client, url)
        scope_reads = [
            q for q in sql if "facilities_user_regions" in q or "facilities_user_premises" in q
        ]
        assert len(scope_reads) == reads, (url, scope_reads)


def test_disputes_waiting_are_found_without_reading_every_fault(client, national_manager):
    client.force_login(national_manager)
    _, sql = queries(client, "/")
    disputes = [q for q in sql if 'FROM "facilities_breachdispute"' in q]
    assert disputes
    assert not [q for q in disputes if 'FROM "facilities_fault"' in q]


def test_status_and_priority_tags_are_coloured_as_the_tag_component_colours_them():
    """The list writes its tags itself (`fault_list.STATUS_TAGS`, `PRIORITY_TAGS`)."""
    for status in FaultStatus.values:
        html = render_to_string("components/tag.html", {"status": status, "text": "x"})
        assert f'class="{STATUS_TAGS.get(status, "govuk-tag")}"' in html, status
    for priority in ("P1", "P2", "P3", "P4"):
        html = render_to_string("components/tag.html", {"priority": priority})
        assert f'class="{PRIORITY_TAGS.get(priority, "govuk-tag")}"' in html, priority


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"status": "fixed", "contractor": "unrouted"},
        {"status": "all", "premises": "999999", "category": "x"},
    ],
)
def test_the_lists_selects_are_the_select_component_with_its_options_read_once(
    rf, estate, regional_manager, data
):
    request = rf.get("/faults/", data)
    request.user = regional_manager
    filters = FaultFilter(request.GET, request=request)
    filters.form.is_valid()
    options = select_options(filters.form, SINGLE_CHOICE_FILTERS)
    for name in SINGLE_CHOICE_FILTERS:
        field = filters.form[name]
        shared = render_to_string("components/select.html", {"field": field})
        ours = render_to_string(
            "faults/_filter_select.html", {"field": field, "options": options[name]}
        )
        assert " ".join(ours.split()) == " ".join(shared.split()), name
