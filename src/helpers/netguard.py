"""Keep notebook runs offline: refuse every socket connection that leaves this machine.

Models and data come from installed packages, so a connection attempt means a bug (a hub
download that slipped through). Set ``WORKBOOK_ONLINE=1`` to allow the network.
"""

from __future__ import annotations

import ipaddress
import os
import socket

from helpers.errors import NetworkBlockedError

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


def online_allowed() -> bool:
    """True when the user opted in to the network with ``WORKBOOK_ONLINE=1``."""
    return os.environ.get("WORKBOOK_ONLINE", "0") == "1"


def _is_local(address: object) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and abstract sockets
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        raise NetworkBlockedError(
            f"network access to {address!r} is blocked (set WORKBOOK_ONLINE=1 to allow)"
        )
    return _original_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_local(address):
        raise NetworkBlockedError(
            f"network access to {address!r} is blocked (set WORKBOOK_ONLINE=1 to allow)"
        )
    return _original_connect_ex(self, address)


def block_network() -> None:
    """Refuse non-loopback connections in this process, and tell Hugging Face libraries to stay offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def allow_network() -> None:
    """Undo :func:`block_network`."""
    socket.socket.connect = _original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _original_connect_ex  # type: ignore[method-assign]
