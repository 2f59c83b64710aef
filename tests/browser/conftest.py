"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

Never downloads a browser: `make test` installs Debian's `chromium`, and we launch it by
path. Screenshots go to `artefacts/screenshots/` (not committed).
"""

import importlib
import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "artefacts" / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = pytest.mark.browser


SEEDING_MIGRATIONS = [
    ("facilities.migrations.0002_seed_categories", "add_categories"),
    ("facilities.migrations.0005_seed_default_ladder", "seed"),
    ("facilities.migrations.0013_category_premises_kinds", "mark_approved_premises_only"),
]


@pytest.fixture(autouse=True)
def _reference_data_seeded_by_migrations(request, _django_db_helper):
    """Put back the rows the data migrations seed (categories, the default ladder).

    Playwright's sync API keeps an event loop running in the test thread, so Django gives
    the test a connection without the serialized copy `serialized_rollback` restores from:
    after a transactional test flushes the tables, those rows would be gone for the next one.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    from django.apps import apps

    for module, function in SEEDING_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def refused_by_the_policy(page) -> list[str]:
    """What the browser reports refusing under the Content Security Policy, as it happens.

    Chromium reports each refusal (an inline script without the nonce, an inline style, an
    eval) on the console; the page fixtures fail the test if there was any."""
    refused: list[str] = []

    def heard(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", heard)
    return refused


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused = refused_by_the_policy(page)
    yield page
    context.close()
    assert refused == [], "the Content Security Policy refused:\n" + "\n".join(refused)


@pytest.fixture
def no_js_page(browser, live_server):
    """The same pages with JavaScript off: every page must still work."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused = refused_by_the_policy(page)
    yield page
    context.close()
    assert refused == [], "the Content Security Policy refused:\n" + "\n".join(refused)


def sign_in(page, username: str, password: str = "correct-horse-battery") -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """Run axe-core (from npm) in the page at WCAG 2.2 AA; return its violations.

    axe is evaluated through the DevTools protocol, which the page's Content Security Policy
    does not govern: a <script> tag added to the page would be refused, having no nonce."""
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_22_AA,
    )
    return result["violations"]


def assert_accessible(page, name: str) -> None:
    screenshot(page, name)
    violations = axe_violations(page)
    summary = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]
    assert not violations, f"axe found violations on {name}:\n{json.dumps(summary, indent=2)}"
