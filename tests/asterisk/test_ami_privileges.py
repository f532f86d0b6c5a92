"""The service's AMI user has only the classes the service uses (asterisk_conf/manager.conf):
a CLI command is refused (whoever holds the secret gets no shell and no `core` commands), while
everything the service sends still works — here the dialplan reload the calendar publisher makes."""

from __future__ import annotations

import pytest

from dialer.adapters.ami import AmiLink
from tests.support import ami_wire

pytestmark = pytest.mark.asterisk


async def test_a_cli_command_is_refused(ami: AmiLink) -> None:
    answer = await ami_wire.ask(ami, {"Action": "Command", "Command": "core show version"})
    assert answer.get("Response") == "Error"
    assert "ermission" in answer.get("Message", "")


async def test_the_dialplan_reload_the_service_sends_works(ami: AmiLink) -> None:
    await ami.reload_dialplan()  # raises AmiError when refused



async def test_the_music_on_hold_reload_the_service_sends_works(ami: AmiLink) -> None:
    await ami.reload_music_on_hold()  # after new hold audio; raises AmiError when refused
