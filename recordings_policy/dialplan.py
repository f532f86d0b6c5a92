"""Nothing in Asterisk's configuration records a call by itself (pure).

A call is recorded only when the service's recorder starts MixMonitor over the AMI after an
emergency flag. :func:`findings` reads rendered configuration files (``{name: text}``, as
``dialer asterisk render`` writes them) and lists every place that could record without that:

* a recording application anywhere (``MixMonitor``, ``Monitor``, ``Record``, ``StartMixMonitor``
  — called in the dialplan, named in a feature's application map or an ``Originate``…);
* ``ChanSpy``/``ExtenSpy`` with the ``r`` option (writes what is heard to the monitor spool);
* ``Dial``/``Queue`` with one-touch recording allowed (``w``/``W``/``x``/``X``);
* applications chosen at run time or shell commands (``Exec``, ``TryExec``, ``ExecIf``,
  ``System``, ``TrySystem``), which could do any of the above;
* queue recording (``monitor-format``, ``monitor-type``), one-touch recording feature codes
  (``automon``, ``automixmon``) and conference recording (``record_conference``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

RECORDING_APPS = ("mixmonitor", "startmixmonitor", "monitor", "record")
RUNTIME_APPS = ("exec", "tryexec", "execif", "system", "trysystem")
SPY_APPS = {"chanspy": 1, "extenspy": 1}  # application -> index of its options argument
ONE_TOUCH_APPS = {"dial": 2, "queue": 1}
ONE_TOUCH_OPTIONS = frozenset("wWxX")
RECORDING_KEYS = frozenset({"monitor-format", "monitor-type", "automon", "automixmon",
                            "record_conference"})
_APP = re.compile(r"(?<![\w$])([A-Za-z]+)\s*\(")
_NAMED = re.compile(r"(?i)(?<![\w.-])(mixmonitor|startmixmonitor|monitor)(?![\w.-])")
_KEY = re.compile(r"^\s*([\w-]+)\s*=>?\s*(.*?)\s*$")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    text: str
    why: str


def _strip_comment(line: str) -> str:
    """The line without its ``;`` comment (``\\;`` is a literal semicolon)."""
    out = []
    escaped = False
    for char in line:
        if char == ";" and not escaped:
            break
        escaped = char == "\\" and not escaped
        out.append(char)
    return "".join(out)


def arguments(text: str, open_at: int) -> list[str]:
    """The comma-separated arguments of the call whose ``(`` is at ``open_at`` (nested
    parentheses, ``${…}`` and ``$[…]`` kept whole)."""
    args: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text[open_at + 1:]:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            args.append("".join(current))
            current = []
            continue
        current.append(char)
    args.append("".join(current))
    return args


def _options(value: str) -> str:
    """Option letters without their parenthesised arguments: ``F(ctx^s^1)x`` -> ``Fx``."""
    return re.sub(r"\([^()]*\)", "", value)


def _line_findings(name: str, number: int, line: str) -> list[Finding]:
    found = []
    for match in _APP.finditer(line):
        app = match.group(1).lower()
        args = arguments(line, match.end() - 1)
        why = ""
        if app in RECORDING_APPS:
            why = f"{match.group(1)} records the call"
        elif app in RUNTIME_APPS:
            why = f"{match.group(1)} runs something chosen at run time (it could record)"
        elif app in SPY_APPS and len(args) > SPY_APPS[app] and \
                "r" in _options(args[SPY_APPS[app]]):
            why = f"{match.group(1)} with option r records what is heard"
        elif app in ONE_TOUCH_APPS and len(args) > ONE_TOUCH_APPS[app] and \
                ONE_TOUCH_OPTIONS & set(_options(args[ONE_TOUCH_APPS[app]])):
            why = f"{match.group(1)} allows one-touch recording (w/W/x/X)"
        elif app == "originate" and len(args) > 3 and args[2].strip().lower() == "app" and \
                args[3].strip().lower() in (*RECORDING_APPS, *RUNTIME_APPS):
            why = f"Originate runs {args[3].strip()}"
        if why:
            found.append(Finding(name, number, line.strip(), why))
    if not found and _NAMED.search(line):
        found.append(Finding(name, number, line.strip(), "names a recording application"))
    key = _KEY.match(line)
    if key and key.group(1).lower() in RECORDING_KEYS and key.group(2):
        found.append(Finding(name, number, line.strip(),
                             f"{key.group(1)} makes Asterisk record calls by itself"))
    return found


def findings(files: Mapping[str, str]) -> list[Finding]:
    """Every place in ``files`` that could record a call without the service's recorder."""
    found: list[Finding] = []
    for name, text in sorted(files.items()):
        for number, raw in enumerate(text.splitlines(), start=1):
            line = _strip_comment(raw)
            if line.strip():
                found.extend(_line_findings(name, number, line))
    return found
