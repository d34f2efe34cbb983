"""Every HTTP call IMR Academy makes to an LMS: bounded in time and size, and kept off private networks.

An LMS that hangs must never hold a request (or a worker) for minutes, and an address handed to
us in a registration, a launch's claims or a redirect must never make the server call its own
internal services. So every call gets a connect and a read timeout and an overall deadline over
the whole exchange (connect, TLS, status line, headers, body, every redirect hop), its body is
capped in bytes, and a session may refuse to connect to loopback, link-local and private
addresses: the check runs on the name's addresses before connecting and on the socket's actual
peer after, so a name that resolves to 127.0.0.1 and a redirect to one are refused too.
pylti1p3 is handed the same sessions, so its key set, token, AGS and NRPS calls are bounded alike.
Only calls that read follow redirects: one that sends (a score, a token request) is refused when
answered with one, since following it would drop or misdirect what it sent.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from flask import current_app, has_app_context
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

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

# IPv6 addresses that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052) and the
# deprecated IPv4-compatible form. 64:ff9b::10.0.0.5 reaches 10.0.0.5 through a NAT64 gateway.
_CARRYING_IPV4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))
# Not public, though Python 3.11 counts them global: local-use NAT64 (RFC 8215), site-local.
_LOCAL_IPV6 = (ipaddress.ip_network("64:ff9b:1::/48"), ipaddress.ip_network("fec0::/10"))


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _as_reached(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), else the address itself."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    embedded = ip.ipv4_mapped or ip.sixtofour
    if embedded is not None:
        return embedded
    if any(ip in network for network in _CARRYING_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def is_private(address: str) -> bool:
    """Whether an IP address belongs to this machine or a non-public network (an IPv6 address
    that carries an IPv4 one, such as ::ffff:10.0.0.5 or 64:ff9b::a00:5, by the IPv4 one)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in _LOCAL_IPV6):
        return True
    reached = _as_reached(ip)
    return not reached.is_global or reached.is_multicast


@lru_cache(maxsize=8)
def _networks(names: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(name) for name in names)


def _an_lms_network(address: str) -> bool:
    """Whether the operator named this address's network as an LMS's own (LMS_PRIVATE_NETWORKS).

    An on-premises Moodle at 10.20.0.5 is private to the world but is the LMS to an install on
    the same network; only the operator can say so, never a registration or a launch.
    """
    if not has_app_context():
        return False
    networks = _networks(current_app.config["IMR_SETTINGS"].lms_private_networks)
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    reached = _as_reached(ip)
    return any(ip in network or reached in network for network in networks)


def refused_address(address: str) -> bool:
    """Whether an LMS call may not reach this address: private, and on no network the operator
    named as an LMS's own."""
    return is_private(address) and not _an_lms_network(address)


def _refuse_private_name(host: str, port: int) -> None:
    """Refuse before connecting when the name has a private address: no handshake with an
    internal service at all, so even its timing says nothing (the peer is checked again after)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return  # the connection resolves it again and reports the failure in its own words
    if any(refused_address(str(entry[4][0])) for entry in found):
        raise PrivateAddressRefused(f"{host} resolves to a private address")


def _refuse_private_peer(sock: socket.socket, host: str) -> None:
    """The address actually connected to decides: DNS may answer differently the second time."""
    peer = sock.getpeername()[0]
    if refused_address(peer):
        sock.close()
        raise PrivateAddressRefused(f"{host} resolves to a private address")


# When the call now running must be over (time.monotonic()), for the connections it uses.
_DEADLINE: ContextVar[float | None] = ContextVar("outbound_deadline", default=None)
# Whether the call now running may reach only public addresses (its session's choice).
_PUBLIC_ONLY: ContextVar[bool] = ContextVar("outbound_public_only", default=False)


class _DeadlineReader(io.RawIOBase):
    """A socket's reads, each waiting at most the read timeout and never past the deadline.

    Socket timeouts count each read alone, and http.client reads the status line and headers a
    line at a time: without this, a server dripping a byte a second held a call for as long as
    it had bytes to drip. Recomputing the timeout on every read bounds the whole exchange.
    """

    def __init__(self, sock: socket.socket, deadline: float, read_seconds: float | None) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # holds the socket open, as http.client's
        self._deadline = deadline
        self._read_seconds = read_seconds

    def readable(self) -> bool:
        """Always: it is the response's read side."""
        return True

    def readinto(self, buffer: WriteableBuffer) -> int | None:
        """One read, timed out at the read timeout or the deadline, whichever comes first."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the call's deadline has passed")
        self._sock.settimeout(left if self._read_seconds is None else min(left, self._read_seconds))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        """Let go of the socket (the connection closes it, once nothing reads from it)."""
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading through a _DeadlineReader during an OutboundSession call."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = _DEADLINE.get()
        if deadline is not None:
            self.fp.close()  # nothing read from it yet
            self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, sock.gettimeout()))


# New connections are made here, each looking up its name first, so that the call's deadline
# bounds the lookup too: the system's resolver has no timeout to give, and a DNS server that did
# not answer held the call (and the launch or task waiting on it) for as long as it took.
_CONNECTING = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lms-connect")


def _guarded_connect(
    connection: HTTPConnection, connect: Callable[[], socket.socket]
) -> socket.socket:
    """A new connection, name lookup included, within what is left of the deadline (the TLS
    handshake takes the same timeout, for its whole length); public-only, refused on a private
    address before and after."""
    deadline = _DEADLINE.get()
    left = None
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ConnectTimeoutError(connection, "the call's deadline passed before connecting")
        timeout = connection.timeout
        connection.timeout = min(timeout, left) if isinstance(timeout, int | float) else left
    # In this call's context: the operator's LMS networks are the running app's settings.
    made = _CONNECTING.submit(copy_context().run, _connect, connection, connect)
    try:
        return made.result(timeout=left)
    except FutureTimeout:
        made.add_done_callback(_close_unused)
        raise ConnectTimeoutError(
            connection, f"{connection.host} was not reached within the call's deadline"
        ) from None


def _connect(connection: HTTPConnection, connect: Callable[[], socket.socket]) -> socket.socket:
    public_only = _PUBLIC_ONLY.get()
    if public_only:
        _refuse_private_name(connection.host, connection.port)
    sock = connect()
    if public_only:
        _refuse_private_peer(sock, connection.host)
    return sock


def _close_unused(made: Future[socket.socket]) -> None:
    """A connection made after its call gave up on it is closed, not left open."""
    if not made.cancelled() and made.exception() is None:
        made.result().close()


class _BoundedHTTPConnection(HTTPConnection):
    response_class = _DeadlineResponse

    def _new_conn(self) -> socket.socket:
        return _guarded_connect(self, super()._new_conn)


class _BoundedHTTPSConnection(HTTPSConnection):
    response_class = _DeadlineResponse

    def _new_conn(self) -> socket.socket:
        return _guarded_connect(self, super()._new_conn)


class _BoundedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _BoundedHTTPConnection


class _BoundedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _BoundedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    """An adapter whose connections keep to the call's deadline and, for a public-only call,
    refuse non-public peers: every hop of a redirect goes through it too."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _BoundedHTTPPool,
            "https": _BoundedHTTPSPool,
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
        self.public_only = public_only
        self.headers["User-Agent"] = "IMR Academy (LTI 1.3 tool)"
        for prefix in ("http://", "https://"):
            self.mount(prefix, _GuardedAdapter())

    def merge_environment_settings(self, *args: Any, **kwargs: Any) -> Any:
        """The environment's settings (a CA bundle, say), less any HTTP(S)_PROXY it names.

        A call through a proxy is the proxy's connection, not ours: the private-address guard
        and the deadline would hold for the hop to the proxy alone, which would then reach
        whatever address it was asked for. Calls to LMSs therefore always go direct.
        """
        settings = super().merge_environment_settings(*args, **kwargs)
        settings["proxies"] = {}
        return settings

    def rebuild_proxies(self, *args: Any, **kwargs: Any) -> dict[str, str]:
        """A redirect's next hop goes direct too (see merge_environment_settings)."""
        return {}

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        """Where a redirect points, refused when it leaves https for plain http outside
        development: a key set fetched in the clear could have its keys swapped on the way,
        and with them anyone's launch forged."""
        target = super().get_redirect_target(resp)
        leaves_https = (
            target is not None
            and urlsplit(resp.url).scheme == "https"
            and urlsplit(urljoin(resp.url, target)).scheme != "https"
        )
        if leaves_https and self.public_only:
            raise RedirectRefused(
                f"the LMS redirected from https to a plain http address ({target}), "
                "which IMR Academy does not follow"
            )
        return target

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send with timeouts under the deadline, then read the body in chunks against the cap."""
        limits = self.limits
        kwargs["timeout"] = (limits.connect_seconds, limits.read_seconds)
        kwargs["stream"] = True
        name = method.decode() if isinstance(method, bytes) else method
        sending = name.upper() not in READING_METHODS
        if sending or not self.follow_redirects:
            kwargs["allow_redirects"] = False
        with _call(limits.deadline_seconds, self.public_only):
            response = super().request(method, url, *args, **kwargs)
            try:
                response._content = _read_body(response, limits.max_bytes)
            finally:
                response.close()
        if sending and response.is_redirect:
            raise RedirectRefused(_redirect_words(response))
        return response


@contextmanager
def _call(seconds: float, public_only: bool) -> Iterator[None]:
    """The block as one call under a deadline, public-only or not, which every connection it
    opens or reuses reads.

    A timeout once the deadline has passed is DeadlineExceeded, and a private address refused
    deep inside urllib3 and requests (wrapped twice) comes out as the refusal it is.
    """
    deadline = time.monotonic() + seconds
    token = _DEADLINE.set(deadline)
    public = _PUBLIC_ONLY.set(public_only)
    try:
        yield
    except DeadlineExceeded:
        raise
    except requests.Timeout as error:
        if time.monotonic() < deadline:
            raise
        raise DeadlineExceeded(f"no complete answer within {seconds} s") from error
    except requests.ConnectionError as error:
        refusal = _private_refusal(error)
        if refusal is None:
            raise
        raise refusal from None
    finally:
        _DEADLINE.reset(token)
        _PUBLIC_ONLY.reset(public)


def _private_refusal(error: BaseException, depth: int = 4) -> PrivateAddressRefused | None:
    """The PrivateAddressRefused that requests and urllib3 wrapped an error around, if any."""
    if isinstance(error, PrivateAddressRefused):
        return error
    if depth == 0:
        return None
    inner = [arg for arg in error.args if isinstance(arg, BaseException)]
    return next(
        (found for arg in inner if (found := _private_refusal(arg, depth - 1)) is not None), None
    )


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


def _read_body(response: requests.Response, max_bytes: int) -> bytes:
    """The body, read as it arrives (read1), against the size cap.

    Each read waits at most the read timeout and never past the call's deadline (the
    connection's _DeadlineReader), so a server that drips a byte at a time is cut off too.
    """
    body = bytearray()
    try:
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise ResponseTooLarge(f"answer larger than {max_bytes} bytes")
    except ReadTimeoutError as error:
        raise requests.ReadTimeout(str(error)) from error
    except (ProtocolError, DecodeError, SSLError) as error:
        raise requests.ConnectionError(str(error)) from error
    return bytes(body)


def lms_session(*, private_allowed: bool) -> OutboundSession:
    """For calls to a registered LMS (key sets, access tokens, grades, rosters).

    Public-only unless private outbound calls are allowed (a developer's machine): the
    addresses come from a registration, a launch's signed claims and the LMS's redirects, all
    of them the LMS's to choose, and the calls carry our access tokens.
    """
    return OutboundSession(public_only=not private_allowed)


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


def _literal_address(host: str) -> str | None:
    """The IP address a host names literally, also in the old forms resolvers still accept
    (127.1, 0x7f000001, 2130706433); None for a name, which only a connection can resolve."""
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def private_host(url: object) -> str | None:
    """The host of a URL when it names this machine or a private network outright (an address
    or `localhost`), else None: such a URL is refused where it would be stored, by name, rather
    than only failing when called."""
    parts = _readable(url)
    host = ((parts.hostname if parts else None) or "").rstrip(".")
    loopback = host == "localhost" or host.endswith(".localhost")  # RFC 6761: always this machine
    address = "127.0.0.1" if loopback else _literal_address(host) if host else None
    return host if address is not None and refused_address(address) else None


def check_url(label: str, url: object, *, private_allowed: bool = True) -> str:
    """An https URL with a host; plain http and private addresses only while private outbound
    calls are allowed (for this machine: the demo and tests).

    Whoever holds a registration link chooses these values, so anything may arrive, and each
    value that is not a usable URL is refused by name.
    """
    parts = _readable(url)
    if parts is None or not parts.netloc or parts.scheme not in {"https", "http"}:
        raise UnusableUrl(
            f"{label} must be a full URL such as https://lms.example.org/…, not {url!r}"
        )
    if parts.scheme == "http" and (not private_allowed or parts.hostname not in LOCAL_HOSTS):
        raise UnusableUrl(f"{label} must use https (http is only accepted for localhost): {url}")
    host = None if private_allowed else private_host(url)
    if host is not None:
        raise UnusableUrl(
            f"{label} is on a private network address ({host}), which IMR Academy calls only "
            f"when its operator lists that network in LMS_PRIVATE_NETWORKS: {url}"
        )
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
