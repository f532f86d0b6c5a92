"""Free loopback ports for sandboxes and tests (asked of the kernel, never guessed)."""

from __future__ import annotations

import random
import socket


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tcp_port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def udp_port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_udp_block(size: int, low: int = 20000, high: int = 30000) -> int:
    """The first port of ``size`` consecutive free UDP ports (an even start, for RTP)."""
    for _ in range(200):
        start = random.randrange(low, high - size, 2)  # noqa: S311 - not security related
        if all(udp_port_is_free(p) for p in range(start, start + size)):
            return start
    raise OSError(f"no block of {size} free UDP ports between {low} and {high}")
