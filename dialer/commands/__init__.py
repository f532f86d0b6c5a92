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


def fraction(text: str) -> float:
    """``0.01`` or ``1%``."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a fraction or a percentage: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (or 0% and 100%): {text!r}")
    return value
