"""Every HTTP call IMR Academy makes to an LMS: bounded in time and size, and kept off private networks.

An LMS that hangs must never hold a request (or a worker) for minutes, and an address handed to
us in a registration must never make the server fetch its own internal services. So every call
gets a connect and a read timeout and an overall deadline, its body is capped in bytes, and a
session may refuse to connect to loopback, link-local and private addresses: the check runs on
the socket's actual peer, after DNS, so a name that resolves to 127.0.0.1 is refused too.
pylti1p3 is handed the same sessions, so its key set, token, AGS and NRPS calls are bounded alike.
Only calls that read follow redirects: one that sends (a score, a token request) is refused when
answered with one, since following it would drop or misdirect what it sent.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

CONNECT_SECONDS = 5
READ_SECONDS = 15
DEADLINE_SECONDS = 30
MAX_BYTES = 8 * 1024 * 1024  # a long NRPS page or a large key set, with room to spare
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """How long a call may take and how much it may read."""

    connect_seconds: float = CONNECT_SECONDS
    read_seconds: float = READ_SECONDS
    deadline_seconds: float = DEADLINE_SECONDS
    max_bytes: int = MAX_BYTES


class ResponseTooLarge(requests.RequestException):
    """The LMS sent more than the call allows."""


class DeadlineExceeded(requests.Timeout):
    """The whole call (connect, headers and body) took longer than its deadline."""


class PrivateAddressRefused(requests.ConnectionError):
    """The address resolved to loopback, link-local or a private network."""


class RedirectRefused(requests.RequestException):
    """A call that sends something (a score, a token request) was answered with a redirect.

    Following it would lose what was sent (requests turns a redirected POST into a GET, so a
    score redirected to a login page read as delivered) or send it to an address nobody
    checked; the call fails instead, naming where the LMS pointed.
    """


# Calls that only read may follow a redirect (a key set moved to a CDN); the others never do.
READING_METHODS = frozenset({"GET", "HEAD"})


def is_private(address: str) -> bool:
    """Whether an IP address belongs to this machine or a non-public network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _refuse_private_peer(sock: socket.socket, host: str) -> None:
    peer = sock.getpeername()[0]
    if is_private(peer):
        sock.close()
        raise PrivateAddressRefused(f"{host} resolves to a private address")


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _refuse_private_peer(sock, self.host)
        return sock


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _refuse_private_peer(sock, self.host)
        return sock


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    """An adapter whose connections refuse non-public peers."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


class OutboundSession(requests.Session):
    """A requests session whose every call is bounded (and optionally public-only, no redirects)."""

    def __init__(
        self,
        limits: Limits = Limits(),
        *,
        public_only: bool = False,
        follow_redirects: bool = True,
    ) -> None:
        super().__init__()
        self.limits = limits
        self.follow_redirects = follow_redirects
        self.headers["User-Agent"] = "IMR Academy (LTI 1.3 tool)"
        if public_only:
            for prefix in ("http://", "https://"):
                self.mount(prefix, _PublicOnlyAdapter())

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send with timeouts, then read the body in chunks against the deadline and the cap."""
        limits = self.limits
        kwargs["timeout"] = (limits.connect_seconds, limits.read_seconds)
        kwargs["stream"] = True
        name = method.decode() if isinstance(method, bytes) else method
        sending = name.upper() not in READING_METHODS
        if sending or not self.follow_redirects:
            kwargs["allow_redirects"] = False
        started = time.monotonic()
        response = super().request(method, url, *args, **kwargs)
        try:
            response._content = _read_body(response, limits, started)
        finally:
            response.close()
        if sending and response.is_redirect:
            raise RedirectRefused(_redirect_words(response))
        return response


def _redirect_words(response: requests.Response) -> str:
    """`the LMS answered HTTP 302, a redirect to lms.example, instead of taking the request`."""
    try:
        site = urlsplit(urljoin(response.url, response.headers.get("Location", ""))).netloc
    except ValueError:  # a Location urlsplit cannot read (an unclosed IPv6 bracket)
        site = ""
    where = f" to {site}" if site else ""
    return (
        f"the LMS answered HTTP {response.status_code}, a redirect{where}, "
        "instead of taking the request"
    )


def _read_body(response: requests.Response, limits: Limits, started: float) -> bytes:
    """The body, read as it arrives (read1), against the deadline and the size cap.

    Each read waits at most the read timeout, and the deadline is checked after each one, so a
    server that drips a byte at a time is cut off too: no call lasts longer than the deadline
    plus one read timeout.
    """
    body = bytearray()
    try:
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
            body += chunk
            if len(body) > limits.max_bytes:
                raise ResponseTooLarge(f"answer larger than {limits.max_bytes} bytes")
            if time.monotonic() - started > limits.deadline_seconds:
                raise DeadlineExceeded(f"no complete answer within {limits.deadline_seconds} s")
    except ReadTimeoutError as error:
        raise requests.ReadTimeout(str(error)) from error
    except (ProtocolError, DecodeError, SSLError) as error:
        raise requests.ConnectionError(str(error)) from error
    return bytes(body)


def lms_session() -> OutboundSession:
    """For calls to a registered LMS (key sets, access tokens, grades, rosters)."""
    return OutboundSession()


REGISTRATION_LIMITS = Limits(
    connect_seconds=CONNECT_SECONDS, read_seconds=10, deadline_seconds=15, max_bytes=1024 * 1024
)


def registration_session(*, private_allowed: bool) -> OutboundSession:
    """For dynamic registration: addresses given to us by whoever holds a link, so distrusted."""
    return OutboundSession(
        REGISTRATION_LIMITS, public_only=not private_allowed, follow_redirects=False
    )


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class UnusableUrl(ValueError):
    """A URL given for an LMS that IMR Academy will not call (the message says why)."""


def _readable(url: object) -> SplitResult | None:
    """A URL's parts; None for a value that is not text or that urlsplit cannot read."""
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket, say
        return None


def check_url(label: str, url: object, *, local_http: bool = True) -> str:
    """An https URL with a host (plain http only for this machine, for the demo and tests).

    Whoever holds a registration link chooses these values, so anything may arrive, and each
    value that is not a usable URL is refused by name.
    """
    parts = _readable(url)
    if parts is None or not parts.netloc or parts.scheme not in {"https", "http"}:
        raise UnusableUrl(
            f"{label} must be a full URL such as https://lms.example.org/…, not {url!r}"
        )
    if parts.scheme == "http" and (not local_http or parts.hostname not in LOCAL_HOSTS):
        raise UnusableUrl(f"{label} must use https (http is only accepted for localhost): {url}")
    return str(url)


def site_of(url: object) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL; None for anything else.

    An LMS's service replies name further addresses (a next page, a gradebook column); each is
    called with our access token, so only one on the service's own site may be followed.
    """
    parts = _readable(url)
    try:
        port = parts.port if parts else None
    except ValueError:  # a port that is not a number
        return None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def next_link(headers: Mapping[str, str], page_url: str) -> str | None:
    """The `Link: <…>; rel="next"` target of a reply, as sent, resolved against the page's URL.

    pylti1p3 lowercases the whole header before reading it, which breaks a case-sensitive
    cursor, so paging reads the header here.
    """
    header = next((value for name, value in headers.items() if name.lower() == "link"), "")
    if not isinstance(header, str) or not header:
        return None
    for link in requests.utils.parse_header_links(header.replace("\n", " ")):
        if "next" in str(link.get("rel", "")).lower().split() and link.get("url"):
            return urljoin(page_url, link["url"])
    return None
