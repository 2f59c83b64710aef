"""Every number links to exactly the faults behind it, through the fault list's own filter."""

from urllib.parse import urlsplit

import pytest
from django.http import QueryDict

from facilities.access import faults_visible_to
from facilities.finding.filters import FaultFilter
from facilities.models import Fault
from facilities.periods import Period
from facilities.reports import cells, drilldown, measures, tables
from facilities.reports.drilldown import Slice

from .conftest import AFTER_APRIL

pytestmark = pytest.mark.django_db

APRIL = Period.month(2026, 4)


def listed(href: str, user, now=AFTER_APRIL) -> int:
    """How many faults the fault list shows for a link (its FilterSet, as the page uses it)."""
    url = urlsplit(href)
    assert url.path == "/faults/"
    filters = FaultFilter(QueryDict(url.query), user=user, now=now)
    assert filters.form.is_valid(), filters.form.errors
    return filters.qs.count()


@pytest.mark.parametrize("who", ["national_manager", "contractor_user", "regional_manager"])
def test_every_count_equals_the_faults_its_link_lists(history, who, request):
    user = request.getfixturevalue(who)
    report = measures.build(faults_visible_to(user), APRIL, now=AFTER_APRIL)
    checked = 0
    for table in tables.all_tables(report):
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                if cell.kind == "count" and cell.href:
                    assert listed(cell.href, user) == cell.value, (table.title, row.headers, column)
                    checked += 1
    assert checked > 100


def test_links_keep_the_region_or_contractor_chosen(history, national_manager, other_region):
    report = measures.build(
        Fault.objects.filter(premises__region=other_region),
        APRIL,
        now=AFTER_APRIL,
        filters={"region": other_region.pk},
    )
    logged = tables.group_table(report, "total").rows[0].cells[0]
    assert logged.value == 1
    assert f"region={other_region.pk}" in logged.href
    assert listed(logged.href, national_manager) == 1


def test_the_oldest_open_fault_links_to_the_fault(history):
    report = measures.build(Fault.objects.all(), APRIL, now=AFTER_APRIL)
    oldest = tables.group_table(report, "total").rows[0].cells[4]
    assert oldest.href == f"/faults/{history.e.pk}/"


def test_overdue_now_is_the_live_overdue_slice(history):
    """For the month not yet over, "overdue at period end" is what the home page counts."""
    may = Period.month(2026, 5)
    window = drilldown.Window.of(may, AFTER_APRIL)
    assert window.cutoff == AFTER_APRIL
    by_report = set(
        Fault.objects.filter(drilldown.overdue_at_end(window)).values_list("pk", flat=True)
    )
    live = set(Fault.objects.overdue(AFTER_APRIL).values_list("pk", flat=True))
    assert by_report == live == {history.e.pk, history.h.pk}


def test_a_bad_report_value_shows_nothing_with_a_message(history, national_manager):
    filters = FaultFilter(QueryDict("report=nonsense.2026-04"), user=national_manager)
    assert not filters.form.is_valid()
    assert filters.form.errors["report"] == ["Choose a figure from a report"]
    assert filters.qs.count() == 0


def test_slice_values_read_back():
    s = Slice.parse("fixed_late.2026-01-01_2026-03-31")
    assert s.period == Period(APRIL.first.replace(month=1), APRIL.first.replace(month=3, day=31))
    assert s.description == "Faults fixed late from 1 January 2026 to 31 March 2026"
    assert Slice.parse("logged.2026-04").description == "Faults logged in April 2026"
    with pytest.raises(ValueError, match="Unknown"):
        Slice.parse("deleted.2026-04")


def test_first_time_fix_count_agrees_with_its_list(history, national_manager):
    report = measures.build(Fault.objects.all(), APRIL, now=AFTER_APRIL)
    link = cells.Links(report)
    for figures in [report.total, *report.by_contractor, *report.by_region]:
        assert listed(link("first_time_fixed", figures), national_manager) == (
            figures.first_time_fixed
        ), figures.level


def test_first_time_fix_rules(
    premises, contract, other_contractor, office_manager, contractor_user
):
    """Repeats: within 30 days after the fix (inclusive), of any contractor, not cancelled;
    a fault logged while the first was still open is not a repeat of its fix."""
    from facilities.faults import workflow
    from tests.factories import ContractFactory, category

    from .conftest import at

    def log(slug, when, where=premises):
        return workflow.fault_log(
            premises=where, category=category(slug), location="Hall", description="Broken",
            reported_by=office_manager, now=at(when),
        )  # fmt: skip

    def fix(fault, when):
        return workflow.fault_fix(fault=fault, actor=contractor_user, note="Done", now=at(when))

    # Repeated exactly 30 days after the fix: not first time.
    a = fix(log("lifts", "2026-04-01 09:00"), "2026-04-02 09:00")
    log("lifts", "2026-05-02 09:00")
    # Repeated 30 days and a minute after: first time.
    b = fix(log("pest-control", "2026-04-01 09:00"), "2026-04-02 09:00")
    log("pest-control", "2026-05-02 09:01")
    # The only repeat was cancelled (logged twice by mistake): first time.
    c = fix(log("cctv", "2026-04-03 09:00"), "2026-04-03 12:00")
    duplicate = log("cctv", "2026-04-04 09:00")
    workflow.fault_cancel(
        fault=duplicate, actor=office_manager, reason="Twice", now=at("2026-04-04 10:00")
    )
    # Another fault logged while the first was open, and fixed with it: both first time.
    d = fix(log("building-fabric-roof", "2026-04-06 09:00"), "2026-04-10 09:00")
    e = fix(log("building-fabric-roof", "2026-04-07 09:00"), "2026-04-10 09:00")
    # A repeat sent to another contractor still counts against the first fix.
    f = fix(log("plumbing-water", "2026-04-08 09:00"), "2026-04-08 12:00")
    ContractFactory(contractor=other_contractor, reference="MOJ-OTHER", premises=[premises])
    assert log("plumbing-water", "2026-04-20 09:00").contractor == other_contractor

    report = measures.build(Fault.objects.all(), APRIL, now=at("2026-06-01 09:00"))
    first_time = set(
        Fault.objects.filter(
            Slice.parse("first_time_fixed.2026-04").q(at("2026-06-01 09:00"))
        ).values_list("pk", flat=True)
    )
    assert first_time == {b.pk, c.pk, d.pk, e.pk}
    assert a.pk not in first_time
    assert f.pk not in first_time
    assert report.total.first_time_fixed == 4
    assert report.total.fixed == 6
