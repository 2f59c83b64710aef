"""The client address for sign-in lock-outs (`config.client_address`): X-Forwarded-For is
read only from trusted proxies, from the right."""

import pytest
from django.test import RequestFactory, override_settings

from config.client_address import client_address

PROXIES = ["10.0.0.0/8", "2001:db8::/32"]


def address(remote, forwarded=None, proxies=()):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(TRUSTED_PROXIES=list(proxies)):
        return client_address(RequestFactory().post("/sign-in/", **meta))


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.1", None, (), "203.0.113.1"),
        ("203.0.113.1", "198.51.100.2", (), "203.0.113.1"),  # no proxies: header ignored
        ("203.0.113.1", "198.51.100.2", PROXIES, "203.0.113.1"),  # not from a proxy
        ("10.0.0.5", "198.51.100.2", PROXIES, "198.51.100.2"),
        ("10.0.0.5", "1.2.3.4, 198.51.100.2", PROXIES, "198.51.100.2"),  # forged left part
        ("10.0.0.5", "198.51.100.2, 10.1.1.1", PROXIES, "198.51.100.2"),  # two proxies
        ("10.0.0.5", "", PROXIES, "10.0.0.5"),  # the proxy itself
        ("10.0.0.5", "not-an-address", PROXIES, "10.0.0.5"),
        ("10.0.0.5", "198.51.100.2, junk, 10.1.1.1", PROXIES, "10.1.1.1"),
        ("2001:db8::1", "2001:0db8:0:0:0:0:0:7, 2001:db8::2", ["10.0.0.0/8"], "2001:db8::1"),
        ("2001:db8::1", "2a00:1450::1", PROXIES, "2a00:1450::1"),
    ],
)
def test_client_address(remote, forwarded, proxies, expected):
    assert address(remote, forwarded, proxies) == expected
