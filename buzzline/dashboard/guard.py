"""What every request and response of the dashboard goes through: a check of the ``Host``
header (a web page elsewhere cannot read the dashboard through a name of its own that it points
at this machine: DNS rebinding), and headers that keep the page from running anything but its
own files, from being framed or sniffed, and from sending its address on."""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
ANY_ADDRESS = ("0.0.0.0", "::", "")
MAX_LOGGED = 64  # rejected Host values logged (once each)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [(name.encode(), value.encode()) for name, value in (
    ("content-security-policy", CSP), ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer"),
    ("cross-origin-resource-policy", "same-origin"), ("cross-origin-opener-policy", "same-origin"))]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class HostCheck:
    """The ``Host`` names the dashboard answers to (any port): localhost's names, the address
    it listens on and the ``--allow-host`` names; listening on every address (0.0.0.0, ::) also
    this machine's name and any IP address (an address is no name a page could rebind)."""

    names: frozenset[str]
    any_ip: bool = False

    @classmethod
    def for_bind(cls, host: str, allow: Iterable[str] = ()) -> HostCheck:
        names = {*LOCAL_NAMES, host.strip("[]").lower(), *(a.strip().strip("[]").lower()
                                                          for a in allow)}
        every = host in ANY_ADDRESS
        if every:
            names.add(socket.gethostname().lower())
        return cls(frozenset(names - {""}), any_ip=every)

    def __call__(self, header: str) -> bool:
        name = host_name(header)
        if name is None:
            return False
        if name in self.names:
            return True
        if not self.any_ip:
            return False
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True


def host_name(header: str) -> str | None:
    """The name in a ``Host`` header, lower case, without its port (None: malformed)."""
    text = header.strip().lower()
    if text.startswith("["):  # [::1]:8050
        name, closed, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None if rest or not closed else ""
    else:
        name, _, port = text.partition(":")
    if not name or port is None or (port and not port.isdigit()):
        return None
    return name


@dataclass
class Guard:
    """ASGI middleware: 400 (and one log line per unknown name) for a request whose Host is
    not allowed; the security headers on every response."""

    app: ASGIApp
    check: HostCheck
    logged: set[str] = field(default_factory=set)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # (lifespan; the dashboard has no websocket)
            await self.app(scope, receive, send)
            return
        host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"),
                    "")
        if not self.check(host):
            await self._refuse(host, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()),
                                                  *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, host: str, send: Send) -> None:
        if host not in self.logged and len(self.logged) < MAX_LOGGED:
            self.logged.add(host)
            log.warning("dashboard: refused a request for host %r (not this dashboard's name; "
                        "allow it with --allow-host)", host[:200])
        body = b"unknown host: open the dashboard by its address, or allow the name with " \
               b"--allow-host\n"
        await send({"type": "http.response.start", "status": 400, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})
