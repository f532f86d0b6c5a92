"""Reading the Asterisk configuration installed on a host (pyst2's ``asterisk.config`` parser):
what ``dialer doctor`` checks in the files Asterisk really runs with, not in our templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from asterisk.config import Config, ParseError


class ConfFileError(Exception):
    """The file is missing or cannot be parsed; the message says which."""


@dataclass(frozen=True)
class Section:
    name: str
    values: dict[str, str]  # the last value of each key (Asterisk's own rule for most keys)


def read(path: Path) -> list[Section]:
    """Every ``[section]`` of an Asterisk .conf file with its keys."""
    if not path.is_file():
        raise ConfFileError(f"{path} is not there")
    try:
        parsed = Config(str(path))
    except (ParseError, OSError, UnicodeDecodeError) as exc:
        raise ConfFileError(f"{path} cannot be read: {exc}") from None
    return [Section(str(c.name).strip(), {str(i.name).strip(): str(i.value).strip()
                                          for i in c.items})
            for c in parsed.categories]
