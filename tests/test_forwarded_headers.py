"""X-Forwarded-Proto and X-Forwarded-For count only when a trusted proxy sent them."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from config.client_address import ForwardedProtoFromTrustedProxies
from facilities.api.auth import PerTokenThrottle


def seen_scheme(remote: str, **headers) -> bool:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    scheme = {}

    def view(req):
        scheme["secure"] = req.is_secure()
        return HttpResponse()

    ForwardedProtoFromTrustedProxies(view)(request)
    return scheme["secure"]


@override_settings(
    TRUSTED_PROXIES=["10.0.0.0/8"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_only_a_trusted_proxy_can_say_the_request_came_over_https():
    assert seen_scheme("10.1.2.3", HTTP_X_FORWARDED_PROTO="https") is True
    assert seen_scheme("203.0.113.9", HTTP_X_FORWARDED_PROTO="https") is False
    assert seen_scheme("10.1.2.3") is False


@override_settings(TRUSTED_PROXIES=[], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_with_no_trusted_proxies_the_header_never_counts():
    assert seen_scheme("10.1.2.3", HTTP_X_FORWARDED_PROTO="https") is False


@pytest.mark.parametrize(
    ("remote", "forwarded", "ident"),
    [
        ("203.0.113.9", "198.51.100.7", "anon-203.0.113.9"),  # a stranger's header is ignored
        ("10.1.2.3", "198.51.100.7", "anon-198.51.100.7"),  # the trusted proxy's is read
    ],
)
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_api_throttle_without_a_token_keys_on_the_real_client(remote, forwarded, ident):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/api/v1/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    request.user, request.auth = AnonymousUser(), None
    key = PerTokenThrottle().get_cache_key(request, view=None)
    assert key.endswith(ident)
