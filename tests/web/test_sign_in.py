"""Signing in and out: GOV.UK errors, django-axes lockout, POST-only sign-out."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def sign_in(client, username, password, **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def test_sign_in_page_renders_a_gov_uk_form(client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in – Report a premises repair – GOV.UK</title>" in html
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in html
    assert 'id="id_username" name="username" type="text"' in html
    assert 'autocomplete="username"' in html
    assert 'id="id_password" name="password" type="password"' in html
    assert 'autocomplete="current-password"' in html
    assert "novalidate" in html
    assert "govuk-error-summary" not in html
    assert "csrfmiddlewaretoken" in html


def test_right_password_signs_in_and_goes_home(client, office_manager):
    response = sign_in(client, "olivia", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(office_manager.pk)


def test_sign_in_follows_next(client, office_manager):
    response = client.post(
        "/sign-in/?next=/accessibility/", {"username": "olivia", "password": PASSWORD}
    )
    assert response["Location"] == "/accessibility/"


def test_wrong_password_shows_the_error_summary_and_inline_error(client, office_manager):
    response = sign_in(client, "olivia", "Tr0ub4dor&3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Sign in – Report a premises repair – GOV.UK</title>" in html
    assert "There is a problem" in html
    assert '<a href="#id_username">Enter a correct username and password</a>' in html
    assert "govuk-form-group--error" in html
    assert "govuk-input--error" in html
    assert (
        '<p id="id_username-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "Enter a correct username and password</p>"
    ) in html
    assert 'aria-describedby="id_username-error"' in html
    assert 'value="olivia"' in html  # the username is kept…
    assert "Tr0ub4dor" not in html  # …the password is not
    assert "_auth_user_id" not in client.session


def test_empty_form_asks_for_both_fields(client):
    html = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert '<a href="#id_username">Enter your username</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html


def test_unknown_username_gets_the_same_message(client, office_manager):
    html = sign_in(client, "nobody", "whatever").content.decode()
    assert "Enter a correct username and password" in html


def test_five_failures_lock_the_account_out(client, office_manager):
    for _ in range(4):
        assert sign_in(client, "olivia", "wrong").status_code == 200

    locked = sign_in(client, "olivia", "wrong")
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    html = locked.content.decode()
    assert "You have been locked out for 15 minutes" in html
    assert "govuk-heading-l" in html

    # Even the right password is refused until the lockout ends.
    refused = sign_in(client, "olivia", PASSWORD)
    assert refused.status_code == 429
    assert "You have been locked out for 15 minutes" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_15_minutes(client, office_manager, time_machine):
    time_machine.move_to("2025-03-04 10:00:00+00:00", tick=False)
    for _ in range(5):
        sign_in(client, "olivia", "wrong")
    time_machine.move_to("2025-03-04 10:16:00+00:00", tick=False)
    assert sign_in(client, "olivia", PASSWORD).status_code == 302


def test_trying_again_during_the_lockout_restarts_it(client, office_manager, time_machine):
    time_machine.move_to("2025-03-04 10:00:00+00:00", tick=False)
    for _ in range(5):
        sign_in(client, "olivia", "wrong")
    time_machine.move_to("2025-03-04 10:14:00+00:00", tick=False)
    assert sign_in(client, "olivia", PASSWORD).status_code == 429
    time_machine.move_to("2025-03-04 10:16:00+00:00", tick=False)
    assert sign_in(client, "olivia", PASSWORD).status_code == 429
    time_machine.move_to("2025-03-04 10:32:00+00:00", tick=False)
    assert sign_in(client, "olivia", PASSWORD).status_code == 302


# --- No lock-out by strangers: the lock is on the username at one client address -------------

A, B = "203.0.113.10", "198.51.100.20"  # two client addresses
PROXY = "10.0.0.5"  # a reverse proxy in front of the app


def test_five_failures_from_one_address_do_not_lock_the_user_out_elsewhere(client, office_manager):
    for _ in range(5):
        sign_in(client, "olivia", "wrong", REMOTE_ADDR=A)
    assert sign_in(client, "olivia", PASSWORD, REMOTE_ADDR=A).status_code == 429
    assert sign_in(client, "olivia", PASSWORD, REMOTE_ADDR=B).status_code == 302


def test_made_up_names_from_an_address_do_not_lock_out_real_people_there(client, office_manager):
    for n in range(10):
        assert sign_in(client, f"nobody{n}", "wrong", REMOTE_ADDR=A).status_code == 200
    assert sign_in(client, "olivia", PASSWORD, REMOTE_ADDR=A).status_code == 302


def test_behind_a_trusted_proxy_each_client_is_told_apart(client, office_manager, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    from_a = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": A}
    from_b = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": B}
    for _ in range(5):
        sign_in(client, "olivia", "wrong", **from_a)
    assert sign_in(client, "olivia", PASSWORD, **from_a).status_code == 429
    assert sign_in(client, "olivia", PASSWORD, **from_b).status_code == 302


def test_a_forged_forwarded_for_header_changes_nothing(client, office_manager, settings):
    """Without trusted proxies the header is ignored; behind one, only its own hop counts."""
    for n in range(5):
        sign_in(client, "olivia", "wrong", REMOTE_ADDR=A, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(client, "olivia", PASSWORD, REMOTE_ADDR=A).status_code == 429

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for n in range(5):
        forged = f"192.0.2.{n}, {B}"  # the client wrote the left part; the proxy added B
        sign_in(client, "olivia", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged)
    refused = sign_in(client, "olivia", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=B)
    assert refused.status_code == 429


def test_sign_out_is_a_post(client, office_manager):
    client.force_login(office_manager)
    assert client.get(reverse("logout")).status_code == 405
    assert client.session.get("_auth_user_id")

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert "_auth_user_id" not in client.session


def test_signed_in_pages_show_a_sign_out_button(client, office_manager):
    client.force_login(office_manager)
    html = client.get("/").content.decode()
    assert '<form class="app-header__sign-out" method="post" action="/sign-out/">' in html
    assert ">Sign out</button>" in html
    assert office_manager.get_full_name() in html


def test_a_signed_in_person_visiting_sign_in_goes_home(client, office_manager):
    client.force_login(office_manager)
    assert client.get("/sign-in/")["Location"] == "/"
