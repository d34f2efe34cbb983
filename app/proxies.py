"""Whose X-Forwarded-For and X-Forwarded-Proto to believe: the proxies' in front of the app alone.

Behind a proxy the client's address (which rate limits count) and scheme come from the headers
the proxy adds. Any client can send those headers too, so they are read only on requests whose
direct peer is one of those proxies: a request that reaches gunicorn some other way (a port left
open to the internet) keeps its own address, or one client could look up certificates without
limit by sending a new X-Forwarded-For each time.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class FromOurProxies:
    """ProxyFix for requests from the proxies in front of the app; every other one as it came.

    The proxies are the networks the operator names, else any loopback or private address (a
    proxy on the same machine, a platform's router, a load balancer inside the network).
    """

    def __init__(self, app: WSGIApplication, hops: int, networks: Iterable[str]) -> None:
        self._as_sent = app
        self._forwarded = ProxyFix(app, x_for=hops, x_proto=hops)
        self._networks = tuple(ipaddress.ip_network(network) for network in networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        believed = self._from_a_proxy(environ.get("REMOTE_ADDR"))
        return (self._forwarded if believed else self._as_sent)(environ, start_response)

    def _from_a_proxy(self, peer: str | None) -> bool:
        if not peer:
            return True  # a Unix socket: only a process on this machine can connect to it
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if self._networks:
            return any(address in network for network in self._networks)
        return address.is_private or address.is_loopback
