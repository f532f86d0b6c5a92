"""The AMI's actions as the adapter sends them, and their answers read back: the typed verbs'
requests (``Originate``) and answers (``Reply``, ``CoreSettings``), the Originate's headers, and
panoramisk's answer messages as plain headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Raw = dict[str, str]


class AmiError(Exception):
    """The AMI could not be reached, refused us, or did not answer in time."""


@dataclass(frozen=True)
class Originate:
    """An async Originate: ring ``channel`` (a dial string) for ``timeout_ms``; once answered,
    run the dialplan at ``context``/``exten``/``priority``, or ``application(data)``.
    ``variables`` are set on the channel (``NAME=value``)."""

    channel: str
    timeout_ms: int
    caller_id: str = ""
    context: str = ""
    exten: str = ""
    priority: int = 1
    application: str = ""
    data: str = ""
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """Asterisk's answer to an action: accepted or not, and its message if it gave one."""

    ok: bool
    message: str = ""


@dataclass(frozen=True)
class CoreSettings:
    asterisk_version: str


def originate_headers(request: Originate, channel_id: str) -> dict[str, str | list[str]]:
    """The Originate action's headers (always async: its answer arrives as an event)."""
    headers: dict[str, str | list[str]] = {"Channel": request.channel}
    if request.application:
        headers |= {"Application": request.application, "Data": request.data}
    else:
        headers |= {"Context": request.context, "Exten": request.exten,
                    "Priority": str(request.priority)}
    if request.caller_id:
        headers["CallerID"] = request.caller_id
    headers["Timeout"] = str(request.timeout_ms)
    if request.variables:
        headers["Variable"] = list(request.variables)
    return headers | {"Action": "Originate", "Async": "true", "ChannelId": channel_id}


def plain(message: Any) -> Raw:
    """A panoramisk message (read from its case-insensitive store, the headers spelt as
    Asterisk sent them) or a mapping, as plain headers."""
    store = getattr(message, "_store", None)
    if isinstance(store, dict):
        return {str(k): v if type(v) is str else str(v) for k, v in store.values()}
    return {str(k): str(v) for k, v in dict(message).items()}


def messages(answer: Any) -> list[Raw]:
    """panoramisk's answer to an action (a message or a list of them) as plain headers."""
    return [plain(m) for m in (answer if isinstance(answer, list) else [answer])]


def reply(answer: Any) -> Reply:
    answers = messages(answer)
    ok = any(m.get("Response", "").lower() == "success" for m in answers)
    return Reply(ok, next((m["Message"] for m in answers if m.get("Message")), ""))
