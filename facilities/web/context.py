"""Context for every page rendered with a request: the service name and its navigation."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from facilities import access


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
    links = [("Home", reverse("home"))]
    if not access.is_contractor(user):
        # The service's main task, one click from every page (contractors cannot log).
        links.append(("Log a fault", reverse("fault_log")))
    links += [("Faults", reverse("fault_list")), ("Reports", reverse("report_index"))]
    if user.is_staff:
        links.append(("Admin", reverse("admin:index")))
    path = request.path
    # A page belongs to the section with the longest matching link (/faults/new/ is "Log a
    # fault", /faults/12/ is "Faults").
    section = max(
        (href for _text, href in links if href != "/" and path.startswith(href)),
        key=len,
        default="/" if path == "/" else None,
    )
    return [
        NavItem(text=text, href=href, current=path == href, active=href == section)
        for text, href in links
    ]


def service(request: HttpRequest) -> dict[str, object]:
    """The service name for every page's header and title, and the service navigation."""
    return {
        "service_name": settings.SERVICE_NAME,
        "service_navigation": _navigation(request),
    }
