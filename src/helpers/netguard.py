"""Keep notebook runs offline: no name lookup and no packet leaves this machine.

Models and data come from installed packages, so a lookup or a connection means a bug (a hub download
that slipped through). Set ``WORKBOOK_ONLINE=1`` to allow the network. :func:`block_network` closes
three gaps, each of which the others leave open:

* it sets ``HF_HUB_OFFLINE`` (and the datasets and transformers variables) to ``1``, overriding a ``0``
  from the shell, for libraries imported later and for subprocesses (kernels, ``torchrun``);
* it turns on the offline flag inside ``huggingface_hub`` and ``datasets`` when they are already imported,
  because they read the variables once, at import: without this, ``import transformers`` before
  :func:`helpers.start` meant a minute of retries before a hub name failed;
* it replaces the name lookups of :mod:`socket` (``getaddrinfo``, ``gethostbyname``, ...) and the socket
  methods that address a peer (``connect``, ``connect_ex``, ``sendto``, ``sendmsg``) with versions that
  refuse every host but the loopback, so whatever still tries fails at once, before a DNS query is sent.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from helpers.errors import NetworkBlockedError

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
# Module attributes that hold a library's offline flag, read from the environment at import.
_LIBRARY_FLAGS = {
    "huggingface_hub.constants": ("HF_HUB_OFFLINE",),
    "datasets.config": ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"),
}
_LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost", "ip6-loopback"}

_original_lookups = {
    name: getattr(socket, name)
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")
}
# sendmsg does not exist on Windows.
_original_methods = {
    name: getattr(socket.socket, name)
    for name in ("connect", "connect_ex", "sendto", "sendmsg")
    if hasattr(socket.socket, name)
}
_saved_environment: dict[str, str | None] = {}
_saved_flags: dict[tuple[str, str], Any] = {}


def online_allowed() -> bool:
    """True when the user opted in to the network with ``WORKBOOK_ONLINE=1``."""
    return os.environ.get("WORKBOOK_ONLINE", "0") == "1"


def is_local_host(host: object) -> bool:
    """True for a host that never needs the network: loopback names and addresses, or no host at all.

    ``0.0.0.0`` and ``::`` count as local: a server binds them, and no lookup or packet follows.
    """
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", errors="replace")
    text = str(host).strip("[]").lower()
    if text in ("", *_LOOPBACK_NAMES):
        return True
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False  # a host name: looking it up would query DNS
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    return address.is_loopback or address.is_unspecified


def _blocked(what: str, target: object) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"{what} {str(target)[:200]!r} is blocked: the workbook is offline (set WORKBOOK_ONLINE=1 to allow)"
    )


def _peer_is_local(sock: socket.socket, address: object) -> bool:
    """True for a peer of a non-IP socket (``AF_UNIX``, netlink, ...) or a loopback IP address."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return True
    return is_local_host(address[0])


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_local_host(host):
        raise _blocked("name lookup of", host)
    return _original_lookups["getaddrinfo"](host, port, *args, **kwargs)


def _guarded_lookup(name: str) -> Callable[..., Any]:
    """A stand-in for ``socket.<name>`` whose first argument is a host name or address."""

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        target = host[0] if name == "getnameinfo" and isinstance(host, tuple) else host
        if not is_local_host(target):
            raise _blocked("name lookup of", target)
        return _original_lookups[name](host, *args, **kwargs)

    guarded.__name__ = name
    return guarded


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _peer_is_local(self, address):
        raise _blocked("network access to", address)
    return _original_methods["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _peer_is_local(self, address):
        raise _blocked("network access to", address)
    return _original_methods["connect_ex"](self, address)


def _guarded_sendto(self: socket.socket, data: Any, *rest: Any) -> int:
    # sendto(data, address) or sendto(data, flags, address): the address comes last.
    if rest and not _peer_is_local(self, rest[-1]):
        raise _blocked("sending a packet to", rest[-1])
    return _original_methods["sendto"](self, data, *rest)


def _guarded_sendmsg(self: socket.socket, buffers: Any, *rest: Any, **kwargs: Any) -> int:
    address = kwargs.get("address", rest[2] if len(rest) > 2 else None)
    if address is not None and not _peer_is_local(self, address):
        raise _blocked("sending a packet to", address)
    return _original_methods["sendmsg"](self, buffers, *rest, **kwargs)


_GUARDED_METHODS = {
    "connect": _guarded_connect,
    "connect_ex": _guarded_connect_ex,
    "sendto": _guarded_sendto,
    "sendmsg": _guarded_sendmsg,
}


def _set_library_flags(offline: bool) -> None:
    """Set (or, with ``offline=False``, restore) the offline flags of already imported libraries."""
    for module_name, attributes in _LIBRARY_FLAGS.items():
        module = sys.modules.get(module_name)
        if module is None:
            continue  # imported later, it reads the environment variables set by block_network
        for attribute in attributes:
            key = (module_name, attribute)
            if offline:
                _saved_flags.setdefault(key, getattr(module, attribute, None))
                setattr(module, attribute, True)
            elif key in _saved_flags:
                setattr(module, attribute, _saved_flags.pop(key))


def block_network() -> None:
    """Refuse name lookups and non-loopback traffic in this process; keep Hugging Face libraries offline."""
    for variable in OFFLINE_VARIABLES:
        _saved_environment.setdefault(variable, os.environ.get(variable))
        os.environ[variable] = "1"
    _set_library_flags(offline=True)
    for name in _original_lookups:
        setattr(socket, name, _guarded_getaddrinfo if name == "getaddrinfo" else _guarded_lookup(name))
    for name in _original_methods:
        setattr(socket.socket, name, _GUARDED_METHODS[name])


def allow_network() -> None:
    """Undo :func:`block_network`: the socket functions, library flags and environment as they were."""
    for name, original in _original_lookups.items():
        setattr(socket, name, original)
    for name, original in _original_methods.items():
        setattr(socket.socket, name, original)
    _set_library_flags(offline=False)
    for variable, value in _saved_environment.items():
        if value is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = value
    _saved_environment.clear()
