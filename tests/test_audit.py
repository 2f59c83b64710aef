"""The audit of reference data: each change through the admin is kept with who and when, and
the admin shows it (each object's History, and the lists of changes)."""

import pytest
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from facilities.models import Category, Contract, EscalationStep, Region, Role, User
from tests import factories

pytestmark = pytest.mark.django_db


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def post_change(client, model, obj, **changes):
    """Submit the admin's change form for `obj` with its current values and these changes."""
    response = client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(field.widget, MultiWidget):  # a date and a time, posted apart
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else part
            continue
        if isinstance(value, list | tuple | set):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is None:
            data[name] = ""
        elif hasattr(value, "pk"):
            data[name] = value.pk
        else:
            data[name] = value
        if isinstance(data[name], bool) and not data[name]:
            del data[name]  # an unticked box is not posted
    for key, value in changes.items():
        data[key] = value
    for formset in response.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for index, inline_form in enumerate(formset.formset.forms):
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is None:
                    continue
                data[f"{formset.formset.prefix}-{index}-{name}"] = getattr(value, "pk", value)
    answer = client.post(admin_url(model, "change", obj.pk), data)
    assert answer.status_code == 302, (
        getattr(answer, "context", {}) and answer.context["adminform"].form.errors
    )
    return answer


def test_changing_a_category_through_the_admin_records_who_and_what(admin_client, administrator):
    cctv = Category.objects.get(slug="cctv")
    before = cctv.history.count()
    post_change(admin_client, Category, cctv, default_priority="P2")

    change = cctv.history.first()  # newest first
    assert cctv.history.count() == before + 1
    assert (change.history_type, change.history_user, change.default_priority) == (
        "~",
        administrator,
        "P2",
    )
    assert [c.field for c in change.diff_against(change.prev_record).changes] == [
        "default_priority"
    ]


def test_a_users_role_and_regions_are_audited_but_signing_in_is_not(
    admin_client, administrator, client, region, other_region
):
    person = factories.UserFactory(role=Role.CONTRACT_MANAGER, regions=[region])
    created = person.history.count()
    post_change(
        admin_client, User, person, role=Role.CONTRACT_MANAGER, regions=[region.pk, other_region.pk]
    )
    latest = person.history.first()
    assert latest.history_user == administrator
    assert {r.region_id for r in latest.regions.all()} == {region.pk, other_region.pk}
    assert person.history.count() > created
    assert not hasattr(latest, "password")  # never kept

    counted = person.history.count()
    person.set_password("a long passphrase")
    person.save(update_fields=["password"])
    signed_in = Client().post(
        "/sign-in/", {"username": person.username, "password": "a long passphrase"}
    )
    assert signed_in.status_code == 302
    person.refresh_from_db()
    assert person.last_login is not None
    assert person.history.count() == counted  # last_login and password rehash: no row


def test_escalation_steps_service_levels_contracts_premises_and_regions_are_audited(
    contract, premises
):
    for model in (EscalationStep, Contract, Region, factories.ServiceLevelFactory._meta.model):
        assert hasattr(model, "history"), model
    step = EscalationStep.objects.get(level=1, contract=None, region=None)
    step.extra_emails = "estates@justice.example"
    step.save()
    assert step.history.first().extra_emails == "estates@justice.example"
    premises.name = "Renamed office"
    premises.save()
    assert premises.history.first().name == "Renamed office"


def test_the_admin_shows_the_history_and_the_lists_of_changes(admin_client, administrator):
    cctv = Category.objects.get(slug="cctv")
    post_change(admin_client, Category, cctv, description="Cameras and recorders")

    page = admin_client.get(admin_url(Category, "history", cctv.pk))
    assert page.status_code == 200
    assert str(administrator) in page.content.decode()
    assert "Cameras and recorders" in page.content.decode()  # the change itself

    changes = Category.history.model
    listing = admin_client.get(admin_url(changes, "changelist"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "changes to categories" in text.lower()
    assert str(administrator) in text
    assert "description" in text
    index = admin_client.get(reverse("admin:index"))
    assert "Changes to contracts" in index.content.decode()
    # Read-only: no adding, editing or deleting a change.
    row = changes.objects.first()
    assert admin_client.get(admin_url(changes, "add")).status_code == 403
    assert admin_client.post(admin_url(changes, "delete", row.pk)).status_code == 403
