"""Checks for what the host must provide, each failing with what to install instead of a trace."""

from __future__ import annotations

import os
import shutil


class PrerequisiteError(Exception):
    """Something outside the project is missing; the message says how to get it."""


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise PrerequisiteError(f"{what} needs root (it uses chroot); run it as root or with sudo")


def require_command(command: str, debian_package: str, what: str) -> str:
    path = shutil.which(command)
    if path is None:
        raise PrerequisiteError(
            f"{what} needs `{command}`, which is not installed: "
            f"apt-get install {debian_package}  (or run `make setup`)"
        )
    return path
