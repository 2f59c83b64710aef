"""The client's address, for sign-in lock-outs (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind a reverse proxy every request comes from the proxy's address, so the client's is in
X-Forwarded-For — but that header is only as trustworthy as whoever wrote it: anyone can send
one. So it is read only when the request comes from a proxy listed in the TRUSTED_PROXIES
setting (addresses or networks, such as `10.0.0.0/8`), and then from the right: each trusted
proxy appends the address it was connected from, so the first address from the right that is
not a trusted proxy is the client. Whatever a client put further left is ignored.

With no TRUSTED_PROXIES (the default) the header is never read: the address is REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in configured)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _address(text: str | None) -> str | None:
    """The address in canonical form, or None if it is not one."""
    try:
        return str(ipaddress.ip_address((text or "").strip()))
    except ValueError:
        return None


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The address of whoever is signing in, never taken from a header a stranger wrote."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    networks = trusted_proxies()
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    nearest = remote
    for item in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = _address(item)
        if hop is None:
            break  # not written by a trusted proxy: stop at the last hop we can vouch for
        if not _is_trusted(hop, networks):
            return hop
        nearest = hop
    return nearest


class ForwardedProtoFromTrustedProxies:
    """Drops X-Forwarded-Proto unless a trusted proxy sent the request.

    `SECURE_PROXY_SSL_HEADER` makes Django believe that header about whether the request
    came over https (for redirects, secure cookies and CSRF's origin check). Anyone can send
    it, so it counts only from a proxy in TRUSTED_PROXIES: put this middleware first.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if "HTTP_X_FORWARDED_PROTO" in request.META:
            remote = _address(request.META.get("REMOTE_ADDR"))
            networks = trusted_proxies()
            if remote is None or not networks or not _is_trusted(remote, networks):
                del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)
