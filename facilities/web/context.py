from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, str]:
    """The service name for every page's header and title."""
    return {"service_name": settings.SERVICE_NAME}
