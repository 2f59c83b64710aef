"""The HTTP session deliveries are sent through, refusing private addresses as it connects.

An endpoint's URL is checked when it is saved (`models.webhooks.url_refusal`), but a name can
resolve elsewhere later (DNS rebinding), so unless `WEBHOOKS_ALLOW_PRIVATE_URLS` is on, each
connection resolves the host itself, refuses if any address is loopback, private,
link-local or otherwise not public, and connects to an address it checked. TLS still
verifies the certificate against the host name. Redirects are never followed and proxies
from the environment are not used, so a request goes only where it was checked to go.
"""

from __future__ import annotations

import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from facilities.models.webhooks import allow_private_urls, unsafe_address


class RefusedAddress(NewConnectionError):
    """The host resolved to an address webhooks may not be sent to."""


def _public_addresses(conn: HTTPConnection) -> list[str]:
    try:
        found = socket.getaddrinfo(conn._dns_host, conn.port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise NameResolutionError(conn.host, conn, error) from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    unsafe = [a for a in addresses if unsafe_address(a)]
    if unsafe or not addresses:
        raise RefusedAddress(
            conn, f"Refused: {conn.host} resolves to a non-public address ({', '.join(unsafe)})"
        )
    return addresses


def _connect_checked(conn: HTTPConnection) -> socket.socket:
    error: OSError | None = None
    for address in _public_addresses(conn):
        try:
            return connection.create_connection(
                (address, conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as timeout:
            error = ConnectTimeoutError(conn, f"Connection to {conn.host} timed out ({timeout})")
        except OSError as failed:
            error = NewConnectionError(conn, f"Failed to establish a new connection: {failed}")
    raise error or RefusedAddress(conn, f"Refused: {conn.host} has no address")


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect_checked(self)


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _connect_checked(self)


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """Connects only to public addresses, checked at connection time."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def session() -> requests.Session:
    """A session for one delivery: no environment proxies or .netrc, and, unless private
    addresses are allowed, the checked adapter for every scheme."""
    made = requests.Session()
    made.trust_env = False
    if not allow_private_urls():
        made.mount("http://", CheckedAdapter())
        made.mount("https://", CheckedAdapter())
    return made
