"""Journey 1: sign in and sign out, in a real browser, with and without JavaScript."""

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_office_manager_signs_in_sees_home_and_signs_out(page, office_manager):
    page.goto("/")
    assert "/sign-in/" in page.url
    assert_accessible(page, "sign-in")
    sign_in(page, "olivia")
    assert page.get_by_role("heading", name="Repairs at a glance").is_visible()
    assert_accessible(page, "home")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")


def test_wrong_password_shows_error_summary(page, office_manager):
    sign_in(page, "olivia", "wrong-password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct username and password" in summary.inner_text()
    assert_accessible(page, "sign-in-error")


def test_locked_out_after_five_failures(page, office_manager):
    for _ in range(5):
        sign_in(page, "olivia", "wrong-password")
    assert "locked out" in page.content().lower()
    assert_accessible(page, "locked-out")
    sign_in(page, "olivia")
    assert "locked out" in page.content().lower()


def test_sign_in_works_without_javascript(no_js_page, office_manager):
    sign_in(no_js_page, "olivia")
    assert no_js_page.get_by_role("heading", name="Repairs at a glance").is_visible()
