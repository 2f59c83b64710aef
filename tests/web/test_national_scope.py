"""National scope is explicit (`User.is_national`): a contract manager with neither regions
nor the flag sees nothing — no faults, premises, reports or emails — so forgetting to tick a
region in the admin never grants national access."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from facilities import access
from facilities.finding.dashboard import describe_scope
from facilities.ladder import Audience
from facilities.models import Fault, ReportSnapshot, Role, User
from facilities.notifications.recipients import People
from facilities.periods import Period
from facilities.reports import issue
from tests.factories import UserFactory

from .conftest import T0

# The tests issue February's reports for the same estate: each scope's PDF is laid out once.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdfs_rendered_once")]


@pytest.fixture
def unscoped_manager(db):
    """A contract manager someone forgot to give regions (or the national flag)."""
    return UserFactory(username="una", email="una@justice.example", role=Role.CONTRACT_MANAGER)


@pytest.fixture
def issued(estate):
    issue.issue_month(Period.month(2025, 2), now=T0)
    return ReportSnapshot.objects.all()


def test_a_contract_manager_without_regions_or_the_flag_sees_nothing(
    estate, issued, unscoped_manager
):
    assert issued.exists()
    assert not access.sees_everything(unscoped_manager)
    assert not access.faults_visible_to(unscoped_manager).exists()
    assert not access.premises_visible_to(unscoped_manager).exists()
    assert not access.report_snapshots_visible_to(unscoped_manager).exists()


def test_a_national_contract_manager_sees_everything(estate, issued, national_manager):
    assert access.sees_everything(national_manager)
    assert access.faults_visible_to(national_manager).count() == Fault.objects.count()
    assert access.report_snapshots_visible_to(national_manager).count() == issued.count()


def test_the_unscoped_manager_gets_no_pages_files_or_reports(
    client, estate, issued, unscoped_manager
):
    client.force_login(unscoped_manager)
    faults = client.get(reverse("fault_list"), {"status": "all"})
    assert faults.status_code == 200
    assert estate.heating.reference not in faults.text
    assert estate.outsider_alarm.reference not in faults.text
    csv = client.get(reverse("fault_list_csv"), {"status": "all"})
    assert b"".join(csv.streaming_content).decode().count("\n") == 1  # the header only
    assert client.get(reverse("fault_detail", args=[estate.heating.pk])).status_code == 404
    premises = estate.heating.premises
    assert client.get(reverse("premises_detail", args=[premises.pk])).status_code == 404
    everything = issued.get(scope_key="all")
    download = reverse("report_snapshot_download", args=[everything.pk, "pdf"])
    assert client.get(download).status_code == 404
    home = client.get(reverse("home"))
    assert "You have no regions yet, so you cannot see any faults" in home.text


def test_home_page_words(unscoped_manager, national_manager):
    assert describe_scope(national_manager).startswith("National contract manager")
    assert "no regions" in describe_scope(unscoped_manager)


def test_national_emails_go_only_to_national_managers(
    estate, unscoped_manager, national_manager, regional_manager
):
    people = People.for_faults([estate.heating])
    national = people.resolve(estate.heating, [Audience.NATIONAL_CONTRACT_MANAGERS])
    assert [p.email for p in national] == [national_manager.email]
    regional = people.resolve(estate.heating, [Audience.REGIONAL_CONTRACT_MANAGERS])
    assert unscoped_manager.email not in [p.email for p in regional]
    assert issue.Scope.everything().recipients() == [national_manager.email]


def test_the_migration_keeps_todays_national_managers_national(region):
    regionless = UserFactory(role=Role.CONTRACT_MANAGER)
    regional = UserFactory(role=Role.CONTRACT_MANAGER, regions=[region])
    office = UserFactory(role=Role.OFFICE_MANAGER)
    migration = importlib.import_module("facilities.migrations.0011_national_scope")
    migration.keep_national_users_national(apps, schema_editor=None)
    national = dict(User.objects.values_list("pk", "is_national"))
    assert national == {regionless.pk: True, regional.pk: False, office.pk: False}


def test_the_admin_offers_the_national_flag(client, administrator, unscoped_manager):
    client.force_login(administrator)
    page = client.get(reverse("admin:facilities_user_change", args=[unscoped_manager.pk]))
    assert page.status_code == 200
    assert 'name="is_national"' in page.text
    assert "sees every region" in page.text
