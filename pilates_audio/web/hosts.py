"""Which host names a server answers for, and the addresses it shows: a page reached by another name gets nothing."""

from __future__ import annotations

import re
import socket
from contextlib import suppress

from pilates_audio.web.server import Server

WILDCARDS = ("0.0.0.0", "", "::")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def well_formed(header: str) -> bool:
    """Tell whether a Host header is a plain name or address, with a port or not, fit to put in a link."""
    return _HOST.match(header) is not None


def lan_address() -> str | None:
    """Return this machine's address on the local network, if it has one, without sending anything."""
    found = []
    # The address the system would send from: "connecting" a UDP socket only looks up the route.
    with suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # a documentation address (RFC 5737): never reached
        found.append(probe.getsockname()[0])
    # Many systems map their host name to 127.0.1.1 in /etc/hosts; it is asked second for that reason.
    with suppress(OSError):
        found += sorted({info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)})
    usable = [a for a in found if not a.startswith(("127.", "169.254.", "0."))]
    return usable[0] if usable else None


def answers_for(host: str) -> frozenset[str]:
    """Return the host names a server bound to `host` answers for: this machine's, and its LAN address if wider."""
    names = {"localhost", "::1"}
    if host in WILDCARDS:
        lan = lan_address()
        names |= {lan} if lan else set()
    else:
        names.add(host.lower())
    return frozenset(names)


def _host_name(header: str) -> str:
    """Return the name in a Host header, without its port or an IPv6 address's brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(header: str | None, hosts: frozenset[str]) -> bool:
    """Tell whether a request's Host header names this server (no header: a plain HTTP/1.0 client)."""
    # A page a browser reached by another name (DNS rebinding) gets nothing from here.
    return header is None or _host_name(header) in hosts or _loopback(_host_name(header))


def is_loopback(host: str) -> bool:
    """Tell whether an address to listen on is reachable from this machine only."""
    return host.lower() in ("localhost", "::1") or _loopback(host)


def _loopback(name: str) -> bool:
    """Tell whether a name is an address of this machine's loopback (127.0.0.0/8)."""
    parts = name.split(".")
    return len(parts) == 4 and parts[0] == "127" and all(part.isdigit() and int(part) < 256 for part in parts)


def urls(server: Server, host: str) -> list[str]:
    """Return the addresses to open: this machine's, and the LAN one when listening beyond it."""
    port = server.port
    shown = "127.0.0.1" if host in WILDCARDS else host
    result = [f"http://{shown}:{port}/"]
    if host in WILDCARDS:
        lan = lan_address()
        if lan:
            result.append(f"http://{lan}:{port}/")
    return result
