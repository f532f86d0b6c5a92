"""Waiting for an Asterisk that is starting up (the sandbox): our own few lines of AMI over a
plain socket — log in, read until ``FullyBooted``, log off — with a size and time limit."""

from __future__ import annotations

import asyncio
import contextlib
import time

from dialer.adapters.ami_actions import AmiError


async def wait_fully_booted(
    host: str, port: int, username: str, secret: str, timeout_s: float
) -> None:
    """Wait until an Asterisk starting up accepts our login and reports FullyBooted."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise AmiError(f"AMI at {host}:{port} did not open within {timeout_s}s") from None
            await asyncio.sleep(0.05)  # polling a port that is not listening yet
    try:
        remaining = max(0.1, deadline - time.monotonic())
        async with asyncio.timeout(remaining):
            await _login_until_booted(reader, writer, username, secret)
    except TimeoutError:
        raise AmiError(f"Asterisk at {host}:{port} not FullyBooted within {timeout_s}s") from None
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
            ConnectionError) as exc:
        # closed mid-answer, or a block beyond the reader's limit (readline/readuntil)
        raise AmiError(f"AMI at {host}:{port} broke off before FullyBooted "
                       f"({type(exc).__name__})") from None
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _login_until_booted(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, username: str, secret: str
) -> None:
    await reader.readline()  # banner
    login = f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\nEvents: system\r\n\r\n"
    writer.write(login.encode())
    while True:
        block = (await reader.readuntil(b"\r\n\r\n")).decode(errors="replace")
        if "Response: Error" in block:
            raise AmiError(f"AMI login refused for user {username!r}")
        if "Event: FullyBooted" in block:
            writer.write(b"Action: Logoff\r\n\r\n")
            return
