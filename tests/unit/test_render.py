"""asterisk_conf/ rendered from the service's settings: one source of truth, nothing left over."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest

from dialer import config
from dialer.cli import main
from dialer.config import Settings
from dialer.pbx import render

TODAY = date(2026, 11, 27)


@pytest.fixture
def settings() -> Settings:
    return config.load(None)


def section(text: str, name: str) -> dict[str, str]:
    """The key = value lines of ``[name]`` (first such section) in an Asterisk .conf text."""
    match = re.search(rf"^\[{re.escape(name)}\][^\n]*\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    assert match, f"no [{name}] section"
    values = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.split(";")[0].partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def test_every_template_renders_without_leftovers(settings: Settings) -> None:
    files = render.render(settings, today=TODAY)
    assert {"manager.conf", "pjsip.conf", "extensions.conf", "queues.conf",
            "modules.conf", "asterisk.conf"} <= set(files)
    for name, text in files.items():
        assert "{{" not in text and "{%" not in text, name


def test_the_trunk_always_presents_the_dedicated_number(settings: Settings) -> None:
    pjsip = render.render(settings, today=TODAY)["pjsip.conf"]
    trunk = section(pjsip, "pstn-trunk")
    assert trunk["from_user"] == "0112110000"
    assert trunk["send_pai"] == "yes"
    assert trunk["trust_id_outbound"] == "yes"
    assert trunk["callerid_privacy"] == "allowed_not_screened"
    assert "pstn-auth" not in pjsip  # no credentials configured, no auth section


def test_site_values_come_from_the_toml(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(
        '[centre]\ndedicated_number = "0120-123-456"\n'
        '[ami]\nport = 15038\nusername = "svc"\nsecret = "amisecret"\n'
        '[trunk]\nhost = "192.0.2.10"\nusername = "carrier-user"\npassword = "cpw"\n'
    )
    files = render.render(config.load(path), today=TODAY)
    manager = files["manager.conf"]
    assert section(manager, "general")["port"] == "15038"
    assert section(manager, "svc")["secret"] == "amisecret"
    assert "reporting" not in section(manager, "svc")["read"]
    assert section(manager, "general")["bindaddr"] == "127.0.0.1"
    pjsip = files["pjsip.conf"]
    assert section(pjsip, "pstn-auth")["username"] == "carrier-user"
    assert "contact = sip:192.0.2.10:5060" in pjsip
    assert "exten => 0120123456,1" in files["extensions.conf"]
    assert section(pjsip, "pstn-trunk")["from_user"] == "0120123456"


def test_templates_hold_no_site_value_by_hand() -> None:
    defaults = config.load(None)
    for path in render.TEMPLATE_DIR.glob("*.conf"):
        text = path.read_text()
        for value in (defaults.centre.dedicated_number, defaults.ami.secret,
                      str(defaults.ami.port)):
            assert value not in text, f"{path.name} hard-codes {value}"


def test_modules_are_explicit_and_nothing_records_by_itself(settings: Settings) -> None:
    files = render.render(settings, today=TODAY)
    assert "autoload = no" in files["modules.conf"]
    for name, text in files.items():
        for line in text.splitlines():
            code = line.split(";")[0]
            assert not re.search(r"\b(MixMonitor|Monitor)\(", code), f"{name}: {line}"


def test_sandbox_dirs_and_rtp_range_are_applied(settings: Settings) -> None:
    dirs = render.AsteriskDirs(etc="/srv/x/etc", run="/srv/x/run")
    files = render.render(settings, dirs, render.RtpRange(30000, 30039), today=TODAY)
    assert "astetcdir => /srv/x/etc" in files["asterisk.conf"]
    assert "astrundir => /srv/x/run" in files["asterisk.conf"]
    assert section(files["rtp.conf"], "general") == {"rtpstart": "30000", "rtpend": "30039"}


def test_identify_match_defaults_to_the_trunk_host(settings: Settings) -> None:
    pjsip = render.render(settings, today=TODAY)["pjsip.conf"]
    assert section(pjsip, "pstn-identify")["match"] == "127.0.0.1"
    moved = dataclasses.replace(settings, trunk=dataclasses.replace(settings.trunk,
                                                                    match="203.0.113.0/24"))
    pjsip = render.render(moved, today=TODAY)["pjsip.conf"]
    assert section(pjsip, "pstn-identify")["match"] == "203.0.113.0/24"


def test_cli_render_writes_the_files(tmp_path: Path) -> None:
    assert main(["asterisk", "render", "--out", str(tmp_path / "etc")]) == 0
    assert (tmp_path / "etc" / "pjsip.conf").read_text().count("[pstn]") == 2
    # the one file the service rewrites, in a folder of its own (the unit's only write access)
    etc = tmp_path / "etc"
    assert "#include dialer/extensions_calendar.conf" in (etc / "extensions.conf").read_text()
    assert "GotoIfTime" in (tmp_path / "etc" / "dialer" / "extensions_calendar.conf").read_text()


def test_every_dialplan_context_is_defined_once(settings: Settings) -> None:
    files = render.render(settings, today=TODAY, sandbox=True)
    for name in ("extensions.conf", "dialer/extensions_calendar.conf", "extensions_sandbox.conf"):
        headers = re.findall(r"^\[([^\]]+)\]", files[name], re.M)
        assert len(headers) == len(set(headers)), (name, headers)
    assert len(files["extensions.conf"].splitlines()) < 200


def test_queue_members_are_the_seats(tmp_path: Path) -> None:
    path = tmp_path / "seats.toml"
    path.write_text('[[seats]]\nname = "seat01"\npassword = "pw-1"\n'
                    '[[seats]]\nname = "seat02"\npassword = "pw-2"\n')
    files = render.render(config.load(path), today=TODAY)
    assert "member => Local/seat01@queue-seat,0,seat01,Custom:seat01" in files["queues.conf"]
    assert section(files["pjsip.conf"], "seat02-auth")["password"] == "pw-2"
    assert "periodic-announce = /var/lib/dialer/sounds/congestion" in files["queues.conf"]


def test_seats_get_liveness_checks_by_default_and_per_seat(tmp_path: Path) -> None:
    path = tmp_path / "seats.toml"
    path.write_text('[[seats]]\nname = "seat01"\npassword = "pw-seat01-long"\n'
                    '[[seats]]\nname = "seat02"\ncontact = "sip:seat02@192.0.2.5"\n'
                    'qualify_s = 0\nrtp_timeout_s = 5\n')
    pjsip = render.render(config.load(path), today=TODAY)["pjsip.conf"]
    one, two = pjsip.split("[seat02](operator-phone)")
    assert "rtp_timeout = 30" in one and "rtp_timeout_hold = 30" in one
    assert "qualify_frequency = 10" in one
    assert "rtp_timeout = 5" in two and "qualify_frequency = 0" in two


@pytest.mark.parametrize("value", ["10", "-1", "3601", "true"])
def test_a_seat_liveness_value_must_be_whole_seconds(tmp_path: Path, value: str) -> None:
    path = tmp_path / "seats.toml"
    path.write_text(f'[[seats]]\nname = "seat01"\npassword = "pw"\nqualify_s = {value}\n'
                    .replace("= 10\n", '= "10"\n'))
    with pytest.raises(config.ConfigError, match=r"seats\[1\]\.qualify_s"):
        config.load(path)
