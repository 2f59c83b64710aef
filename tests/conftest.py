"""Shared fixtures: one small estate and the standard people of each role.

- `office_manager` manages `premises` (an office) and `hostel` (an approved premises)
  in `region`; `contractor_user` works for `contractor`, whose contract covers `region`;
  `regional_manager` manages `region`; `national_manager` (marked national) sees everything.
- The outsiders: `other_premises` in `other_region`, covered by `other_contractor`,
  with `other_office_manager` and `other_contractor_user`.
"""

import os
import re

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from facilities.models import Role
from tests import broker, factories

# Property tests' budget. "suite" (make test, CI): enough examples to find a broken rule in an
# ordinary run, with no deadline (a busy CI machine must not fail a test for being slow) and
# the failing example printed so it can be replayed. A test that states max_examples keeps it;
# the costly database tests (tests/faults/test_lateness_twin.py) take this one.
# `pytest --hypothesis-profile=thorough tests/faults` searches ten times as far, after a change
# to the rules.
hypothesis_settings.register_profile("suite", max_examples=25, deadline=None, print_blob=True)
hypothesis_settings.register_profile("thorough", max_examples=250, deadline=None, print_blob=True)
hypothesis_settings.load_profile("suite")


def pytest_configure(config):
    """In CI a test must run against PostgreSQL: skipping for want of it is a failure."""
    if os.environ.get("CI") == "true":
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"CI=true needs DATABASE_URL for PostgreSQL; got {engine}")
        if not os.environ.get("REDIS_URL"):
            raise pytest.UsageError("CI=true needs REDIS_URL")


#: The longest tests first (measured in December 2026; most take 10-100 s on a quiet machine),
#: so that a worker takes one while the other works through short ones, rather than one worker
#: being left with a long test at the end. `make test` (--maxschedchunk 1) hands the tests out
#: one or two at a time in this order. pytest-django's order still comes first: tests in a
#: transaction, then transactional tests (the integration and browser tests), then the tests
#: without the database.
LONGEST_FIRST = (
    "tests/reports/test_recount.py",
    "tests/faults/test_lateness_twin.py",
    "tests/test_seed_demo.py",
    "tests/reports/test_prepared.py",
    "tests/integration/test_reliability.py",
    "tests/integration/",
    "tests/reports/test_issue.py",
    "tests/api/test_schemathesis.py",
    "tests/web/test_national_scope.py",
    "tests/web/test_fault_list.py",
    "tests/api/test_events_feed.py",
    "tests/reports/test_views.py",
    "tests/reports/test_exports.py",
    "tests/test_production_settings.py",
    "tests/browser/test_reflow.py",
    "tests/browser/test_reports_journey.py",
    "tests/browser/test_find_faults_journey.py",
)


def _order(item) -> tuple[bool, int]:
    # Browser tests last: while Playwright's session-wide event loop runs in this thread,
    # Django hands out connections without the serialized copy that `serialized_rollback`
    # restores the migrations' rows from, which would break later transactional tests.
    # Under xdist each worker runs the tests it is given in this order, so this holds there.
    browser = "browser" in getattr(item, "fixturenames", ())
    rank = next(
        (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
        len(LONGEST_FIRST),
    )
    return browser, rank


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Before pytest-django's own (stable) sort, which must have the last word: tests in a
    # transaction first, then transactional tests (they leave the tables empty), then the rest.
    items.sort(key=_order)
    if os.environ.get("CI") == "true":
        config.pluginmanager.register(_FailSkipsInCI(), "fail-skips-in-ci")


class _FailSkipsInCI:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.skipped and "requires" in str(report.longrepr).lower():
            report.outcome = "failed"
            report.longrepr = f"Skipped in CI for want of a service: {report.longrepr}"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (`config/settings/test.py`)."""
    from django.core.cache import cache

    cache.clear()


#: PDFs rendered in this process, by their HTML with the link targets left out.
_PDFS: dict[str, bytes] = {}
_LINK_TARGETS = re.compile(r'href="[^"]*"')


class _RenderedOnce:
    """Stands in for weasyprint.HTML(string=...): a document that reads the same as one made
    before is not laid out again; its PDF is that one's."""

    def __init__(self, real, *, string: str, **options) -> None:
        self.make = lambda: real(string=string, **options)
        self.key = _LINK_TARGETS.sub('href=""', string)

    def write_pdf(self, *args, **options) -> bytes:
        if args or options:
            return self.make().write_pdf(*args, **options)
        if self.key not in _PDFS:
            _PDFS[self.key] = self.make().write_pdf()
        return _PDFS[self.key]


@pytest.fixture
def pdfs_rendered_once(monkeypatch):
    """For tests that issue the same reports again and again but do not read the PDFs' links:
    WeasyPrint lays each document out once (1-2 s of CPU each) in a worker. The links are the
    only difference between such tests' documents (they carry database ids); whatever else
    differs (a figure, a version, a name) makes a new PDF. Tests that check a PDF's links
    must not use this."""
    import weasyprint

    real = weasyprint.HTML

    def html(*args, string: str | None = None, **options):
        if args or string is None:
            return real(*args, string=string, **options)
        return _RenderedOnce(real, string=string, **options)

    monkeypatch.setattr(weasyprint, "HTML", html)


@pytest.fixture(scope="session", autouse=True)
def broker_left_clean():
    """Tests leave nothing behind: the run's queue is deleted at the end, and checked gone."""
    yield
    broker.drop_test_queue()
    assert broker.leftovers() == [], "the test run left its queue behind on the broker"


@pytest.fixture
def region(db):
    return factories.RegionFactory(name="North East", code="north-east")


@pytest.fixture
def other_region(db):
    return factories.RegionFactory(name="Wales", code="wales")


@pytest.fixture
def premises(region):
    return factories.PremisesFactory(name="Newcastle probation office", region=region)


@pytest.fixture
def hostel(region):
    return factories.ApprovedPremisesFactory(
        name="Tyne approved premises", region=region, bed_capacity=20
    )


@pytest.fixture
def other_premises(other_region):
    return factories.PremisesFactory(
        name="Cardiff probation office", region=other_region, nation="wales"
    )


@pytest.fixture
def contractor(db):
    return factories.ContractorFactory(name="North Facilities Ltd")


@pytest.fixture
def other_contractor(db):
    return factories.ContractorFactory(name="Cymru Estates Ltd")


@pytest.fixture
def contract(contractor, region):
    return factories.ContractFactory(
        contractor=contractor, reference="MOJ-NE-001", regions=[region]
    )


@pytest.fixture
def other_contract(other_contractor, other_region):
    return factories.ContractFactory(
        contractor=other_contractor, reference="MOJ-WA-001", regions=[other_region]
    )


@pytest.fixture
def office_manager(premises, hostel):
    return factories.UserFactory(
        username="olivia", role=Role.OFFICE_MANAGER, premises=[premises, hostel]
    )


@pytest.fixture
def other_office_manager(other_premises):
    return factories.UserFactory(
        username="owen", role=Role.OFFICE_MANAGER, premises=[other_premises]
    )


@pytest.fixture
def contractor_user(contractor):
    return factories.UserFactory(username="carl", role=Role.CONTRACTOR, contractor=contractor)


@pytest.fixture
def other_contractor_user(other_contractor):
    return factories.UserFactory(username="cara", role=Role.CONTRACTOR, contractor=other_contractor)


@pytest.fixture
def regional_manager(region):
    return factories.UserFactory(username="rhea", role=Role.CONTRACT_MANAGER, regions=[region])


@pytest.fixture
def national_manager(db):
    return factories.UserFactory(username="nadia", national=True)


@pytest.fixture
def administrator(db):
    return factories.UserFactory(
        username="ada", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )
