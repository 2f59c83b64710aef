"""The GOV.UK page template, the accessibility statement and the front-end assets."""

from pathlib import Path

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_accessibility_statement_is_public(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Accessibility statement – Report a premises repair – GOV.UK</title>" in html
    assert "Web Content Accessibility Guidelines (WCAG) version 2.2" in html
    assert "Enforcement procedure" in html
    assert "Feedback and contact information" in html


def test_page_template(client, office_manager):
    client.force_login(office_manager)
    html = client.get("/").content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en" class="govuk-template">' in html
    assert '<body class="govuk-template__body">' in html
    assert "govuk-frontend-supported" in html  # the js-enabled snippet
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert '<main class="govuk-main-wrapper" id="main-content">' in html
    assert '<strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>' in html
    assert 'href="/accessibility/">Accessibility statement</a>' in html
    assert 'class="moj-header__link moj-header__link--service-name" href="/"' in html
    assert 'href="/static/govuk/govuk-frontend.min.css"' in html
    assert 'href="/static/moj/moj-frontend.min.css"' in html
    assert 'href="/static/app.css"' in html
    assert 'import { initAll } from "/static/govuk/govuk-frontend.min.js"' in html
    assert 'from "/static/moj/moj-frontend.min.js"' in html


def test_service_navigation_marks_the_current_page(client, office_manager):
    client.force_login(office_manager)
    html = client.get("/").content.decode()
    assert 'aria-label="Menu" class="govuk-service-navigation__wrapper"' in html
    assert 'href="/" aria-current="page">' in html
    assert 'href="/faults/">' in html
    assert 'href="/reports/">' in html
    assert "/admin/" not in html  # staff only


def test_staff_get_the_admin_link(client, administrator):
    client.force_login(administrator)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_signed_out_pages_have_no_navigation_or_sign_out(client):
    html = client.get("/accessibility/").content.decode()
    assert "govuk-service-navigation" not in html
    assert "Sign out" not in html


def _render_with_messages(user, messages):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("accessibility.html", {"messages": messages}, request=request)


def test_messages_are_notification_banners(office_manager):
    html = _render_with_messages(
        office_manager,
        [
            Message(constants.SUCCESS, "FLT-000001 logged"),
            Message(constants.INFO, "Your report is being prepared"),
        ],
    )
    assert (
        '<div class="govuk-notification-banner govuk-notification-banner--success" role="alert"'
        ' aria-labelledby="govuk-notification-banner-title-1"'
    ) in html
    assert "FLT-000001 logged" in html
    assert (
        '<div class="govuk-notification-banner" role="region"'
        ' aria-labelledby="govuk-notification-banner-title-2"'
    ) in html
    assert ">Important</h2>" in html
    assert "Your report is being prepared" in html


@pytest.mark.parametrize(
    "path",
    [
        "govuk/govuk-frontend.min.css",
        "govuk/govuk-frontend.min.js",
        "moj/moj-frontend.min.css",
        "moj/moj-frontend.min.js",
        "assets/fonts/bold-b542beb274-v2.woff2",
        "assets/fonts/light-94a07e06a1-v2.woff2",
        "assets/images/govuk-crest.svg",
        "assets/images/favicon.svg",
        "assets/images/icon-tag-remove-cross.svg",  # from MOJ Frontend
        "app.css",
        "images/moj-crest-white.svg",
    ],
)
def test_static_assets_resolve(path):
    assert finders.find(path), f"{path} not found: run `npm ci`"


def test_frontend_css_asks_for_assets_we_serve():
    css = Path(finders.find("govuk/govuk-frontend.min.css")).read_text(encoding="utf-8")
    assert "url(/assets/fonts/bold-b542beb274-v2.woff2)" in css


def test_assets_path_redirects_to_static(client):
    response = client.get("/assets/fonts/bold-b542beb274-v2.woff2")
    assert response.status_code == 302
    assert response["Location"] == "/static/assets/fonts/bold-b542beb274-v2.woff2"
    assert "max-age" in response["Cache-Control"]


def test_assets_path_refuses_escapes(client):
    assert client.get("/assets/../config/settings/base.py").status_code == 404
    assert client.get("/assets/fonts/../../secret").status_code == 404
    assert client.post("/assets/fonts/bold-b542beb274-v2.woff2").status_code == 405
