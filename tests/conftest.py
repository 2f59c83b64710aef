"""Shared fixtures: one small estate and the standard people of each role.

- `office_manager` manages `premises` (an office) and `hostel` (an approved premises)
  in `region`; `contractor_user` works for `contractor`, whose contract covers `region`;
  `regional_manager` manages `region`; `national_manager` (marked national) sees everything.
- The outsiders: `other_premises` in `other_region`, covered by `other_contractor`,
  with `other_office_manager` and `other_contractor_user`.
"""

import os

import pytest
from django.conf import settings

from facilities.models import Role
from tests import broker, factories


def pytest_configure(config):
    """In CI a test must run against PostgreSQL: skipping for want of it is a failure."""
    if os.environ.get("CI") == "true":
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"CI=true needs DATABASE_URL for PostgreSQL; got {engine}")
        if not os.environ.get("REDIS_URL"):
            raise pytest.UsageError("CI=true needs REDIS_URL")


#: The longest tests (10-60 s each on a quiet machine), started first so that the parallel
#: workers (pytest-xdist hands tests out in this order) finish them while the short ones run,
#: rather than one worker running them alone at the end.
LONGEST_FIRST = (
    "tests/faults/test_lateness_twin.py",
    "tests/reports/test_recount.py",
    "tests/integration/",
    "tests/reports/test_issue.py",
    "tests/web/test_national_scope.py",
    "tests/test_seed_demo.py",
    "tests/api/test_schemathesis.py",
    "tests/reports/test_views.py",
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
