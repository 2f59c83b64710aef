"""The Content Security Policy: on every kind of page, with a fresh nonce each response, and
nothing in the page that the policy would refuse (an inline script without that nonce, any
inline style, an event-handler attribute, a javascript: address)."""

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from facilities.faults import photos
from tests.reports.pages import prepared_url
from tests.test_photos import image_bytes
from tests.web.conftest import T0

pytestmark = pytest.mark.django_db

#: The policy, written out here rather than read from the settings.
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'nonce-{nonce}'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{22,})'")
#: <script> types a browser does not run (data blocks, such as json_script's): no nonce needed.
DATA_BLOCKS = {"application/json", "application/ld+json"}


class Page(HTMLParser):
    """The parts of a page a Content Security Policy judges."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[dict[str, str | None]] = []
        self.styles: list[dict[str, str | None]] = []
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            address = (value or "").strip().lower()
            if name in ("href", "src", "action", "formaction") and address.startswith(
                "javascript:"
            ):
                self.script_urls.append(f"<{tag} {name}={value!r}>")
        runs = (found.get("type") or "").lower() not in DATA_BLOCKS
        if tag == "script" and not found.get("src") and runs:
            self.inline_scripts.append(found)
        if tag == "style":
            self.styles.append(found)

    handle_startendtag = handle_starttag


def policy_of(response) -> tuple[dict[str, list[str]], str | None]:
    """The header's directives (with the nonce written as {nonce}), and the nonce."""
    header = response["Content-Security-Policy"]
    nonces = NONCE.findall(header)
    assert len(nonces) <= 1, header
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = [NONCE.sub("'nonce-{nonce}'", value) for value in values]
    return directives, (nonces[0] if nonces else None)


def assert_safe_under_the_policy(response, *, inline_scripts: bool) -> str | None:
    """The page carries the policy, and nothing in it breaks it; returns the nonce."""
    directives, nonce = policy_of(response)
    expected = dict(POLICY)
    if nonce is None:  # nothing on the page asked for one, so the header has none
        expected["script-src"] = ["'self'"]
    assert directives == expected
    page = Page(response.content.decode())
    if inline_scripts:
        assert page.inline_scripts, "expected the page's inline scripts"
        assert nonce is not None
    for script in page.inline_scripts:
        assert script.get("nonce") == nonce, (
            f"an inline script without this response's nonce: {script}"
        )
    assert page.style_attributes == []
    for style in page.styles:  # none at all, unless the policy names the element's nonce
        assert nonce, f"<style {style}>"
        assert style.get("nonce") == nonce, f"<style {style}>"
        assert "'nonce-{nonce}'" in directives["style-src"]
    assert page.handlers == []
    assert page.script_urls == []
    return nonce


@pytest.fixture
def with_photo(estate, office_manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photos.attach_photos(
        fault=estate.heating,
        uploads=[SimpleUploadedFile("boiler.png", image_bytes("PNG", (50, 40)))],
        uploaded_by=office_manager,
        now=T0,
    )
    return estate


def signed_in(client, user) -> Client:
    client.force_login(user)
    return client


# (who, address, status, whether the page has inline scripts)
PAGES = [
    ("office_manager", "/", 200, True),
    ("office_manager", "/faults/", 200, True),
    ("office_manager", "fault", 200, True),
    ("office_manager", "/faults/new/", 200, True),
    ("office_manager", "premises", 200, True),
    ("office_manager", "/accessibility/", 200, True),
    ("national_manager", "/reports/all/", 200, True),  # choosing a report
    ("national_manager", "report", 200, True),  # the charts, inline SVG
    ("national_manager", "report-being-prepared", 200, True),  # refreshes itself
    (None, "/sign-in/", 200, True),
    ("office_manager", "/no-such-page/", 404, True),
    ("contractor_user", "/faults/new/", 403, True),  # contractors do not log faults
    (None, "/admin/login/", 200, False),
    ("administrator", "/admin/", 200, False),
    ("administrator", "/admin/facilities/fault/", 200, False),  # read-only: no actions
    ("administrator", "/admin/facilities/region/", 200, False),
    ("administrator", "/admin/facilities/region/add/", 200, False),
    ("administrator", "/api/docs/", 200, True),
]


@pytest.mark.parametrize(("who", "address", "status", "inline_scripts"), PAGES)
def test_every_kind_of_page_carries_the_policy_and_keeps_to_it(
    request, client, clock, with_photo, who, address, status, inline_scripts
):
    if who:
        signed_in(client, request.getfixturevalue(who))
    address = {
        "fault": f"/faults/{with_photo.heating.pk}/",
        "premises": f"/premises/{with_photo.heating.premises_id}/",
    }.get(address, address)
    if address == "report":  # built by the worker first (tests/reports/pages.py)
        address = prepared_url(client, "/reports/2025-02/")
    elif address == "report-being-prepared":
        address = client.get("/reports/2025-02/")["Location"]
    first = client.get(address)
    assert first.status_code == status
    nonce = assert_safe_under_the_policy(first, inline_scripts=inline_scripts)
    # A fresh nonce for every response.
    second = client.get(address)
    again = assert_safe_under_the_policy(second, inline_scripts=inline_scripts)
    if inline_scripts:
        assert nonce != again


def test_the_csrf_failure_page_keeps_to_the_policy():
    # Django renders it without the request (no nonce to give): it has no inline script.
    response = Client(enforce_csrf_checks=True).post("/sign-in/", {"username": "x"})
    assert response.status_code == 403
    assert "The form could not be sent" in response.content.decode()
    assert_safe_under_the_policy(response, inline_scripts=False)


def test_a_photo_opened_on_its_own_may_only_style_itself(client, clock, with_photo, office_manager):
    # The browser's own document for an image styles it inline; nothing else is allowed.
    signed_in(client, office_manager)
    photo = with_photo.heating.photos.get()
    base = f"/faults/{with_photo.heating.pk}/photos/{photo.pk}/"
    for address in (base, f"{base}thumbnail/"):
        response = client.get(address)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        )
    # A photo that is not there is the site's 404 page, under the site's policy.
    missing = client.get(f"/faults/{with_photo.heating.pk}/photos/{photo.pk + 1}/")
    assert missing.status_code == 404
    assert_safe_under_the_policy(missing, inline_scripts=True)


def test_the_api_carries_the_policy_too(client, clock, with_photo, office_manager):
    signed_in(client, office_manager)
    response = client.get("/api/v1/faults/")
    assert response.status_code == 200
    assert policy_of(response)[0] == {**POLICY, "script-src": ["'self'"]}


def test_a_page_with_an_inline_script_without_the_nonce_is_caught():
    # The check itself: what it would say about a page that breaks the policy.
    class Response(dict):
        content = b'<p style="color: red">Hi</p><script>alert(1)</script>'

    bad = Response({"Content-Security-Policy": "default-src 'self'"})
    page = Page(bad.content.decode())
    assert page.inline_scripts == [{}]
    assert page.style_attributes == ["<p style='color: red'>"]
    with pytest.raises(AssertionError):
        assert_safe_under_the_policy(bad, inline_scripts=False)
