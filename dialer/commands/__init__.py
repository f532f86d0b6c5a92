"""The `dialer` sub-commands, one module per group; each module has ``register(commands)``.

A handler takes the parsed arguments and the loaded settings and returns the exit code.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from dialer.config import Settings

Handler = Callable[[argparse.Namespace, Settings], int]
Commands = argparse._SubParsersAction  # type: ignore[type-arg]


class UsageError(Exception):
    """The command line asks for something impossible; the message says what."""
