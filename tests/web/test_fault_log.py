"""Logging a fault in the browser's forms: per role, every field's message, nothing lost."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from facilities.faults import photos
from facilities.faults.workflow import fault_cancel, fault_fix, fault_log
from facilities.models import Fault, FaultPhoto
from facilities.web.forms import PHOTOS_NOT_KEPT
from tests.factories import UserFactory, category
from tests.test_photos import blank_png, image_bytes
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db

URL = "/faults/new/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def answers(where, slug="heating-hot-water", **extra):
    data = {
        "premises": str(where.pk),
        "category": str(category(slug).pk),
        "location": "First floor kitchen",
        "description": "Radiators cold since Monday",
    }
    data.update(extra)
    return data


def error_summary(html: str) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    return squash(match.group(0)) if match else ""


# --- The form ------------------------------------------------------------------------------


def test_form_offers_the_users_premises_and_each_categorys_priority(client, office_manager):
    client.force_login(office_manager)
    response = client.get(URL)
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert "<title>Log a fault – Report a premises repair – GOV.UK</title>" in html
    assert '<option value="" selected>Choose premises</option>' in html
    assert "Newcastle probation office</option>" in html
    assert "Tyne approved premises</option>" in html
    assert "Cardiff probation office" not in html
    assert "P1 emergency – attend within 2 hours (safety-critical)" in html
    assert "P2 urgent – attend within 4 hours" in html
    assert "P3 routine – attend within 2 working days" in html
    assert "P4 planned – attend within 5 working days" in html
    assert "How the priority is set" in html  # the table, for anyone without JavaScript
    # Beds: asked (one premises is an approved premises), with the hint saying where.
    assert 'name="beds_out_of_use"' in html
    assert "Approved premises only" in html
    assert 'data-module="govuk-character-count" data-maxlength="2000"' in html
    assert 'type="file" accept="image/jpeg,image/png" multiple' in html
    assert 'enctype="multipart/form-data"' in html


def test_only_premises_is_named_not_chosen(client, other_office_manager):
    client.force_login(other_office_manager)
    html = squash(client.get(URL).content.decode())
    assert "<select" not in html
    assert (
        f'<input type="hidden" name="premises" value="{other_office_manager.premises.get().pk}">'
        in html
    )
    assert "Cardiff probation office" in html
    assert 'name="beds_out_of_use"' not in html  # an office: no beds to ask about


def test_only_approved_premises_shows_its_free_beds(client, hostel, estate):
    warden = UserFactory(username="wendy", premises=[hostel])
    client.force_login(warden)
    html = squash(client.get(URL).content.decode())
    # 20 beds, 3 already out of use through estate.beds
    assert (
        "Tyne approved premises has 20 beds; 3 are already out of use, so up to 17 more can be."
        in html
    )


def test_contractors_cannot_log_faults(client, contractor_user):
    client.force_login(contractor_user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Contractors cannot log faults" in response.content.decode()
    assert client.post(URL, {}).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# --- Logging --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["office_manager", "regional_manager", "national_manager", "administrator"]
)
def test_each_role_that_may_log_a_fault_logs_one(request, client, clock, who, premises, contract):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post(URL, answers(premises))
    fault = Fault.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/faults/{fault.pk}/logged/"
    assert fault.reported_by == user
    assert fault.premises == premises
    assert fault.priority == "P2"
    assert fault.location == "First floor kitchen"
    assert fault.contractor == contract.contractor


def test_confirmation_shows_reference_contractor_and_due_times(
    client, clock, office_manager, premises, contract
):
    client.force_login(office_manager)
    response = client.post(URL, answers(premises), follow=True)
    fault = Fault.objects.get()
    html = squash(response.content.decode())
    assert (
        f"<title>Fault logged: {fault.reference} – Report a premises repair – GOV.UK</title>"
        in html
    )
    assert 'class="govuk-panel govuk-panel--confirmation"' in html
    assert f'<strong id="fault-reference">{fault.reference}</strong>' in html
    assert "It has gone to <strong>North Facilities Ltd</strong>" in html
    # P2 from Tuesday 10:00: attend within 4 hours, fix within 3 days.
    assert "<li>Attend by 14:00 today</li>" in html
    assert "<li>Fix by Fri 7 Mar 10:00</li>" in html
    assert "Make safe" not in html


def test_safety_critical_fault_is_logged_as_p1_with_make_safe_time(
    client, clock, office_manager, premises, contract
):
    client.force_login(office_manager)
    html = squash(client.post(URL, answers(premises, "cctv"), follow=True).content.decode())
    fault = Fault.objects.get()
    assert fault.priority == "P1"
    assert "P1 emergency (safety-critical)" in html
    assert "<li>Attend by 12:00 today</li>" in html
    assert "<li>Make safe by 16:00 today</li>" in html
    assert "<li>Fix by 10:00 tomorrow</li>" in html


def test_safety_critical_category_shows_p1_on_the_form(client, office_manager, premises):
    client.force_login(office_manager)
    html = squash(
        client.post(URL, answers(premises, "personal-alarms", location="")).content.decode()
    )
    assert (
        "It will be logged as P1 emergency – attend within 2 hours, fix within 24 hours "
        "(safety-critical)." in html
    )


def test_unrouted_fault_says_a_contract_manager_will_assign_it(
    client, clock, other_office_manager, other_premises
):
    client.force_login(other_office_manager)  # no contract covers Wales here
    html = squash(client.post(URL, answers(other_premises), follow=True).content.decode())
    assert "No contract covers this — a contract manager will assign it." in html
    assert Fault.objects.get().contractor is None


# --- Bad answers ----------------------------------------------------------------------------


def test_empty_form_shows_every_problem(client, office_manager):
    client.force_login(office_manager)
    response = client.post(URL, {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Log a fault" in html
    summary = error_summary(html)
    assert '<a href="#id_premises">Choose the premises where the fault is</a>' in summary
    assert '<a href="#id_category">Choose what kind of fault it is</a>' in summary
    assert '<a href="#id_location">Enter where in the building the fault is</a>' in summary
    assert '<a href="#id_description">Enter a description of the fault</a>' in summary
    squashed = squash(html)
    for field, message in [
        ("premises", "Choose the premises where the fault is"),
        ("category", "Choose what kind of fault it is"),
        ("location", "Enter where in the building the fault is"),
        ("description", "Enter a description of the fault"),
    ]:
        assert (
            f'<p id="id_{field}-error" class="govuk-error-message">'
            f'<span class="govuk-visually-hidden">Error:</span> {message}</p>'
        ) in squashed
    assert not Fault.objects.exists()


def test_nothing_typed_is_lost(client, office_manager, hostel):
    client.force_login(office_manager)
    data = answers(
        hostel, "ap-beds", location="", description="Two rooms <flooded>", beds_out_of_use="2"
    )
    html = client.post(URL, data).content.decode()
    assert f'<option value="{hostel.pk}" selected>Tyne approved premises</option>' in html
    assert re.search(rf'value="{category("ap-beds").pk}"[^>]*checked>', html)
    assert "Two rooms &lt;flooded&gt;</textarea>" in html
    assert 'name="beds_out_of_use" type="text" value="2"' in html
    assert "Enter where in the building the fault is" in html


def test_location_and_description_lengths(client, office_manager, premises):
    client.force_login(office_manager)
    html = client.post(
        URL, answers(premises, location="x" * 201, description="y" * 2001)
    ).content.decode()
    assert "Where in the building must be 200 characters or fewer" in html
    assert "Description must be 2000 characters or fewer" in html


def test_blank_text_is_refused_by_the_workflow(client, office_manager, premises):
    """Spaces pass the form's 'required' check; the workflow's own rule catches them."""
    client.force_login(office_manager)
    html = client.post(URL, answers(premises, location="   ")).content.decode()
    assert "Enter where in the building the fault is" in html
    assert not Fault.objects.exists()


def test_premises_outside_scope_cannot_be_chosen(client, office_manager, other_premises):
    client.force_login(office_manager)
    html = client.post(URL, answers(other_premises)).content.decode()
    assert "Choose one of the premises you look after" in html
    assert not Fault.objects.exists()


# --- Beds out of use ------------------------------------------------------------------------


def test_beds_out_of_use_at_an_approved_premises(client, clock, office_manager, hostel, contract):
    client.force_login(office_manager)
    client.post(URL, answers(hostel, "ap-beds", beds_out_of_use="4"))
    assert Fault.objects.get().beds_out_of_use == 4


def test_beds_cannot_exceed_the_beds_still_in_use(client, office_manager, hostel, estate):
    client.force_login(office_manager)
    html = client.post(URL, answers(hostel, "ap-beds", beds_out_of_use="18")).content.decode()
    summary = error_summary(html)
    assert (
        '<a href="#id_beds_out_of_use">Beds out of use must be 17 or fewer: Tyne approved '
        "premises has 20 beds and 3 are already out of use.</a>"
    ) in summary
    assert 'value="18"' in html
    assert Fault.objects.filter(premises=hostel).count() == 2  # estate's, nothing new


def test_beds_only_at_approved_premises(client, office_manager, premises):
    client.force_login(office_manager)
    html = client.post(URL, answers(premises, beds_out_of_use="1")).content.decode()
    assert "Beds can only be out of use at an approved premises." in error_summary(html)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("two", "Beds out of use must be a whole number, like 2"),
        ("-1", "Beds out of use cannot be negative."),
    ],
)
def test_beds_must_be_a_whole_number_not_below_zero(client, office_manager, hostel, typed, message):
    client.force_login(office_manager)
    html = client.post(URL, answers(hostel, "ap-beds", beds_out_of_use=typed)).content.decode()
    assert message in error_summary(html)


def test_empty_beds_means_none(client, clock, office_manager, hostel, contract):
    client.force_login(office_manager)
    client.post(URL, answers(hostel, "ap-beds", beds_out_of_use=""))
    assert Fault.objects.get().beds_out_of_use == 0


# --- Photos ---------------------------------------------------------------------------------


def photo(name, kind="PNG"):
    return SimpleUploadedFile(name, image_bytes(kind), content_type="image/png")


def test_photos_are_saved_with_the_fault(client, clock, office_manager, premises, contract):
    client.force_login(office_manager)
    data = answers(premises, photos=[photo("boiler.png"), photo("dial.jpg", "JPEG")])
    response = client.post(URL, data)
    assert response.status_code == 302
    fault = Fault.objects.get()
    saved = list(FaultPhoto.objects.filter(fault=fault).order_by("id"))
    # Both stored as JPEG copies: the PNG has no transparency (facilities.faults.photos).
    assert [(p.original_name, p.content_type) for p in saved] == [
        ("boiler.png", "image/jpeg"),
        ("dial.jpg", "image/jpeg"),
    ]
    assert all(p.uploaded_by == office_manager and p.uploaded_at == T0 for p in saved)


def test_text_file_named_jpg_is_rejected(client, office_manager, premises):
    client.force_login(office_manager)
    fake = SimpleUploadedFile("notes.jpg", b"just some text", content_type="image/jpeg")
    html = client.post(URL, answers(premises, photos=[fake])).content.decode()
    assert (
        '<a href="#id_photos">notes.jpg must be a JPEG or PNG photo. Add the photos again</a>'
        in error_summary(html)
    )
    assert not Fault.objects.exists()
    assert not FaultPhoto.objects.exists()


def test_photo_over_10_mb_is_rejected(client, office_manager, premises):
    client.force_login(office_manager)
    big = SimpleUploadedFile("big.jpg", image_bytes("JPEG") + b"\0" * photos.MAX_BYTES)
    html = client.post(URL, answers(premises, photos=[big])).content.decode()
    assert "big.jpg must be smaller than 10 MB. Add the photos again" in error_summary(html)
    assert not Fault.objects.exists()


def test_photo_over_40_megapixels_is_rejected(client, office_manager, premises):
    client.force_login(office_manager)
    plan = SimpleUploadedFile("plan.png", blank_png(8000, 5200), content_type="image/png")
    html = client.post(URL, answers(premises, photos=[plan])).content.decode()
    assert (
        '<a href="#id_photos">plan.png must be smaller than 40 megapixels. Add the photos again</a>'
        in error_summary(html)
    )
    assert not Fault.objects.exists()
    assert not FaultPhoto.objects.exists()


def test_good_photos_must_be_added_again_after_another_problem(client, office_manager, premises):
    client.force_login(office_manager)
    html = client.post(
        URL, answers(premises, location="", photos=[photo("ok.png")])
    ).content.decode()
    summary = error_summary(html)
    assert "Enter where in the building the fault is" in summary
    assert PHOTOS_NOT_KEPT in summary


def test_photos_are_not_saved_when_the_workflow_refuses(client, office_manager, premises):
    client.force_login(office_manager)
    html = client.post(
        URL, answers(premises, beds_out_of_use="1", photos=[photo("ok.png")])
    ).content.decode()
    assert "Beds can only be out of use at an approved premises." in html
    assert PHOTOS_NOT_KEPT in html
    assert not FaultPhoto.objects.exists()


# --- The confirmation page -------------------------------------------------------------------


def test_confirmation_page_is_only_for_people_who_may_see_the_fault(
    client, estate, other_office_manager
):
    client.force_login(other_office_manager)
    assert client.get(f"/faults/{estate.heating.pk}/logged/").status_code == 404
    assert client.get(f"/faults/{estate.outsider_heating.pk}/logged/").status_code == 200


# --- Is this a repeat of an earlier fault? ------------------------------------------------------


def asked(where, slug="heating-hot-water") -> str:
    return f"{where.pk}:{category(slug).pk}"


def radio_values(html: str) -> list[str]:
    return re.findall(r'name="repeat_of" type="radio" value="([^"]+)"', html)


def test_a_recent_fault_of_the_same_kind_is_asked_about_before_logging(
    client, estate, office_manager, premises
):
    client.force_login(office_manager)
    before = Fault.objects.count()
    response = client.post(URL, answers(premises))
    assert response.status_code == 200
    assert Fault.objects.count() == before  # not logged yet
    html = squash(response.content.decode())
    assert "<title>Log a fault – " in html  # not an error
    assert not error_summary(html)
    assert 'id="repeat-check"' in html
    assert "The fault is not logged yet." in html
    assert f'<input type="hidden" name="repeat_asked" value="{asked(premises)}">' in html
    assert "Is this a repeat of an earlier fault?</legend>" in html
    # The office's recent faults (not the cancelled one), then "or", then No.
    assert radio_values(html) == [str(estate.heating.pk), "new"]
    assert f"{estate.heating.reference}: Heating and hot water, Ground floor</label>" in html
    assert "Logged 4 March 2025; not fixed yet" in html
    assert '<div class="govuk-radios__divider">or</div>' in html
    assert (
        '<input class="govuk-radios__input" id="id_repeat_of-2" name="repeat_of" type="radio" '
        'value="new">' in html
    )
    assert "No, this is a new fault</label>" in html
    # Nothing typed is lost.
    assert 'value="First floor kitchen"' in html
    assert "Radiators cold since Monday</textarea>" in html


def test_no_question_when_nothing_recent_is_of_the_same_kind(
    client, clock, office_manager, premises, contract
):
    client.force_login(office_manager)
    fault_log(
        premises=premises, category=category("plumbing-water"), location="First floor kitchen",
        description="Tap drips", reported_by=office_manager, now=T0 - timedelta(days=1),
    )  # fmt: skip
    response = client.post(URL, answers(premises))  # heating
    assert response.status_code == 302
    assert Fault.objects.get(category__slug="heating-hot-water").repeat_of is None


def test_answering_no_logs_a_new_fault(client, estate, office_manager, premises):
    client.force_login(office_manager)
    data = answers(premises, repeat_asked=asked(premises), repeat_of="new")
    response = client.post(URL, data)
    assert response.status_code == 302
    fault = Fault.objects.get(location="First floor kitchen")
    assert fault.repeat_of is None


def test_answering_with_an_earlier_fault_links_them(client, estate, office_manager, premises):
    client.force_login(office_manager)
    data = answers(premises, repeat_asked=asked(premises), repeat_of=str(estate.heating.pk))
    response = client.post(URL, data)
    assert response.status_code == 302
    fault = Fault.objects.get(location="First floor kitchen")
    assert fault.repeat_of == estate.heating
    html = squash(client.get(f"/faults/{fault.pk}/").content.decode())
    assert "Repeat of</dt>" in html
    assert (
        f'<a class="govuk-link" href="/faults/{estate.heating.pk}/">'
        f"{estate.heating.reference}</a>" in html
    )


def test_the_question_must_be_answered_once_asked(client, estate, office_manager, premises):
    client.force_login(office_manager)
    before = Fault.objects.count()
    html = client.post(URL, answers(premises, repeat_asked=asked(premises))).content.decode()
    assert "<title>Error: Log a fault" in html
    assert (
        '<a href="#id_repeat_of">Select whether this is a repeat of an earlier fault</a>'
        in error_summary(html)
    )
    assert (
        '<p id="id_repeat_of-error" class="govuk-error-message"><span class="govuk-visually-'
        'hidden">Error:</span> Select whether this is a repeat of an earlier fault</p>'
    ) in squash(html)
    assert Fault.objects.count() == before


@pytest.mark.parametrize(
    ("which", "message"),
    [
        # Out of the office manager's scope (Cardiff).
        ("outsider_heating", "Choose one of the faults listed, or say this is a new fault"),
        # Cancelled: nothing to repeat.
        ("cancelled", "Choose one of the faults listed, or say this is a new fault"),
        # In scope, but at the hostel, not the office.
        ("beds", "Choose a fault at Newcastle probation office, or say this is a new fault"),
    ],
)
def test_only_a_fault_in_scope_at_the_same_premises_can_be_linked(
    client, estate, office_manager, premises, which, message
):
    client.force_login(office_manager)
    before = Fault.objects.count()
    earlier = getattr(estate, which)
    data = answers(premises, repeat_asked=asked(premises), repeat_of=str(earlier.pk))
    response = client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="#id_repeat_of">{message}</a>' in error_summary(html)
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}</p>' in html
    assert Fault.objects.count() == before


def test_the_most_alike_recent_faults_come_first(
    client, clock, office_manager, premises, contract, contractor_user
):
    def log(slug, where, days_ago):
        return fault_log(
            premises=premises, category=category(slug), location=where, description="Broken",
            reported_by=office_manager, now=T0 - timedelta(days=days_ago),
        )  # fmt: skip

    def fix(fault, days_ago):
        return fault_fix(
            fault=fault, actor=contractor_user, note="Done", now=T0 - timedelta(days=days_ago)
        )

    too_old = fix(log("heating-hot-water", "First floor kitchen", 120), 100)
    same_place = fix(log("heating-hot-water", "first floor  KITCHEN.", 30), 29)
    same_kind = log("heating-hot-water", "Room 4 radiator", 2)
    old_but_open = log("heating-hot-water", "Boiler room", 200)
    fixed_lately = fix(log("heating-hot-water", "Hall", 150), 60)
    other_kind = log("plumbing-water", "First floor kitchen", 1)
    cancelled = log("heating-hot-water", "First floor kitchen", 3)
    fault_cancel(fault=cancelled, actor=office_manager, reason="Twice", now=T0)

    client.force_login(office_manager)
    html = squash(client.post(URL, answers(premises)).content.decode())
    assert radio_values(html) == [
        str(f.pk) for f in (same_place, same_kind, fixed_lately, old_but_open, other_kind)
    ] + ["new"]
    assert str(too_old.pk) not in radio_values(html)
    assert "Logged 2 February 2025; fixed 3 February 2025" in html  # same_place


def test_changing_the_premises_or_kind_asks_again(client, estate, office_manager, premises):
    """The question was asked about plumbing; now it is heating, so it is asked again."""
    client.force_login(office_manager)
    data = answers(premises, repeat_asked=asked(premises, "plumbing-water"), repeat_of="new")
    response = client.post(URL, data)
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert "The fault is not logged yet." in html
    assert f'name="repeat_asked" value="{asked(premises)}"' in html


def test_other_problems_show_with_the_question(client, estate, office_manager, hostel):
    """The workflow's own rules are applied before asking, so nothing comes as a surprise."""
    client.force_login(office_manager)
    html = client.post(URL, answers(hostel, "ap-beds", beds_out_of_use="18")).content.decode()
    assert "Beds out of use must be 17 or fewer" in error_summary(html)
    assert radio_values(html) == [str(estate.beds.pk), str(estate.alarm.pk), "new"]
    assert 'id="repeat-check"' not in html  # the error summary says what to do


def test_photos_must_be_added_again_after_the_question(client, estate, office_manager, premises):
    client.force_login(office_manager)
    html = client.post(URL, answers(premises, photos=[photo("ok.png")])).content.decode()
    assert "The fault is not logged yet." in html
    assert "Add the photos again – they are not kept when the page is shown again." in html
    assert not FaultPhoto.objects.exists()
