"""Context for every page rendered with a request: the service name and its navigation."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool  # this exact page: aria-current="page"
    active: bool  # a page in this section: aria-current="true"


def _navigation(request: HttpRequest) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    links = [("Home", reverse("home")), ("Faults", "/faults/"), ("Reports", "/reports/")]
    if user.is_staff:
        links.append(("Admin", reverse("admin:index")))
    path = request.path
    items = []
    for text, href in links:
        current = path == href
        active = current or (href != "/" and path.startswith(href))
        items.append(NavItem(text=text, href=href, current=current, active=active))
    return items


def service(request: HttpRequest) -> dict[str, object]:
    """The service name for every page's header and title, and the service navigation."""
    return {
        "service_name": settings.SERVICE_NAME,
        "service_navigation": _navigation(request),
    }
