"""Fetching a resource's URL for an import, as a client that trusts neither the URL nor the server.

An officer's resource URL could name the portal's own services (Solr has no password inside the
host), the cloud's metadata address or any private network. Every connection, the first and each
after a redirect, is made to an address checked here after DNS, so a name that resolves (or
re-resolves) to a private address is refused before a byte is sent.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import pathlib
import socket
import time
import urllib.parse

import requests
import requests.adapters
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import connection as u3connection

from ckanext.tangerang.satupeta.ingest import LayerError, N_

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclasses.dataclass(frozen=True)
class Policy:
    max_bytes: int
    timeout: float                       # the whole download, seconds
    allowed_networks: tuple[Network, ...] = ()  # besides the public internet (a city's intranet GIS)
    max_redirects: int = 5


class Refused(Exception):
    """Not an OSError: urllib3 would wrap that into a retried connection error."""

    def __init__(self, address: str):
        super().__init__(address)
        self.address = address


def is_allowed(ip: IPAddress, policy: Policy) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in policy.allowed_networks):
        return True
    # is_global excludes loopback, private, link-local (169.254.169.254), shared, reserved ranges
    return ip.is_global and not ip.is_multicast


def _guarded(base: type, policy: Policy) -> type:
    class Guarded(base):
        def _new_conn(self):
            infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
            addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
            for ip in addresses:
                if not is_allowed(ip, policy):
                    raise Refused(str(ip))
            # connect to the address just checked, not to a second DNS answer
            return u3connection.create_connection(
                (str(addresses[0]), self.port), self.timeout, source_address=self.source_address,
                socket_options=self.socket_options)
    return Guarded


def _session(policy: Policy) -> requests.Session:
    http = type("GuardedHTTPPool", (HTTPConnectionPool,),
                {"ConnectionCls": _guarded(HTTPConnection, policy)})
    https = type("GuardedHTTPSPool", (HTTPSConnectionPool,),
                 {"ConnectionCls": _guarded(HTTPSConnection, policy)})

    class Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": http, "https": https}

    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: it would hide the destination
    session.max_redirects = policy.max_redirects
    session.mount("http://", Adapter())
    session.mount("https://", Adapter())
    return session


def fetch(url: str, target: pathlib.Path, policy: Policy) -> pathlib.Path:
    """Downloads `url` into `target` within the policy's limits; LayerError says what went wrong
    and no partial file is left behind."""
    try:
        return _fetch(url, target, policy)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _fetch(url: str, target: pathlib.Path, policy: Policy) -> pathlib.Path:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise LayerError(N_("The resource URL must start with http:// or https://."))
    deadline = time.monotonic() + policy.timeout
    size = 0
    try:
        with _session(policy) as session, \
                session.get(url, stream=True, timeout=(10, min(60, policy.timeout))) as resp:
            resp.raise_for_status()
            with open(target, "wb") as f:
                for chunk in resp.iter_content(1 << 20):
                    size += len(chunk)
                    if size > policy.max_bytes:
                        raise LayerError(N_("The file at the resource URL is larger than {limit} MB."),
                                         limit=policy.max_bytes // 2 ** 20)
                    if time.monotonic() > deadline:
                        raise LayerError(N_("The file at the resource URL took longer than {seconds} "
                                            "seconds to download."), seconds=int(policy.timeout))
                    f.write(chunk)
    except Refused as e:
        raise LayerError(N_("The resource URL leads to the address {address}, which the portal does not "
                            "fetch from: only addresses on the public internet are allowed."),
                         address=e.address)
    except requests.TooManyRedirects:
        raise LayerError(N_("The resource URL redirects more than {count} times."),
                         count=policy.max_redirects)
    except requests.RequestException as e:
        # the cause, never the server's own details
        cause = e.__class__.__name__
        if isinstance(e, requests.HTTPError) and e.response is not None:
            cause = f"HTTP {e.response.status_code}"
        raise LayerError(N_("The file at the resource URL could not be fetched: {detail}"), detail=cause)
    return target
