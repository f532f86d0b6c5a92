"""The TOML configuration: defaults, path resolution, masking, every problem listed at once."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from dialer import config
from dialer.cli import main
from dialer.commands.settings import SAMPLE_CONFIG
from dialer.config import ConfigError


def test_defaults_live_under_the_working_directory(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = config.load(None)
    assert settings.paths.data_dir == tmp_path / "var"
    assert config.database_file(settings) == tmp_path / "var" / "dialer.sqlite3"
    assert settings.centre.dedicated_number == "0112110000"


def _relative(settings: config.Settings) -> dict[str, dict[str, object]]:
    data = config.as_dict(settings, mask_secrets=False)
    data["paths"] = {k: str(Path(v).relative_to(settings.base_dir))
                     for k, v in data["paths"].items()}
    data["recordings"]["key_file"] = str(Path(data["recordings"]["key_file"])
                                         .relative_to(settings.base_dir))
    data["backup"] |= {k: str(Path(data["backup"][k]).relative_to(settings.base_dir))
                       for k in ("dir", "key_file")}
    data["audit"]["key_file"] = str(Path(data["audit"]["key_file"]).relative_to(settings.base_dir))
    return data


def test_the_recordings_key_lives_outside_the_data_folder_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = config.load(None)
    key = settings.recordings.key_file
    assert key == tmp_path / "keys" / "recordings.key"
    for folder in (settings.paths.data_dir, settings.paths.recordings_dir,
                   settings.paths.outbox_dir):
        assert not key.is_relative_to(folder)
    inside = tmp_path / "inside.toml"
    inside.write_text('[recordings]\nkey_file = "var/keys/recordings.key"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"recordings\.key_file: keep the key outside "
                                                 r"paths\.data_dir"):
        config.load(inside)


def test_the_sample_written_by_init_equals_the_built_in_defaults() -> None:
    sample = config.load(SAMPLE_CONFIG)
    assert _relative(sample) == _relative(config.load(None))
    assert sample.paths.data_dir == SAMPLE_CONFIG.parent / "var"


def test_relative_paths_resolve_against_the_file_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    path = site / "dialer.toml"
    path.write_text('[paths]\ndata_dir = "data"\nrecordings_dir = "/srv/rec"\n'
                    '[database]\nurl = "sqlite+aiosqlite:///db/centre.sqlite3"\n')
    settings = config.load(path)
    assert settings.paths.data_dir == site / "data"
    assert settings.paths.recordings_dir == Path("/srv/rec")
    assert config.database_file(settings) == site / "db" / "centre.sqlite3"


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[centre]\ndedicated_number = "12"\ntimezone = "Mars/Olympus"\n'
        '[ami]\nport = 70000\nhost = "10.0.0.5"\nsecrett = "x"\n'
        '[web]\nport = "eighty"\n[trunk]\ntransport = "carrier-pigeon"\n[dialler]\nx = 1\n'
    )
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    problems = "\n".join(caught.value.problems)
    for fragment in ("centre.dedicated_number", "centre.timezone", "ami.port", "ami.host",
                     "ami.secrett: unknown key", "web.port: expected int", "trunk.transport",
                     "[dialler]: unknown section"):
        assert fragment in problems
    assert len(caught.value.problems) == 8


@pytest.mark.parametrize(("section", "fragment"), [
    ("[trunk]\nmax_lines = 6\ncallback_reserve_min = 7\n", "trunk.callback_reserve_min"),
    ("[trunk]\ncallback_reserve_min = -1\n", "trunk.callback_reserve_min"),
    ("[trunk]\ncallback_blocking = 0.0\n", "trunk.callback_blocking"),
    ("[trunk]\ncallback_blocking = 0.5\n", "trunk.callback_blocking"),
    ("[trunk]\ncallback_window_min = 1\n", "trunk.callback_window_min"),
    ("[asterisk]\ncongestion_start_s = 6\n", "asterisk.congestion_start_s"),
    ("[asterisk]\ncongestion_start_s = -1\n", "asterisk.congestion_start_s"),
])
def test_the_line_budget_and_congestion_start_are_checked(tmp_path: Path, section: str,
                                                          fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(section)
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert [p for p in caught.value.problems if p.startswith(fragment)], caught.value.problems


def test_broken_toml_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[centre\nname = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(broken)
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "nope.toml")


def test_config_path_prefers_the_flag_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(config.ENV_VAR, "/etc/dialer/env.toml")
    assert config.config_path("cli.toml") == Path("cli.toml")
    assert config.config_path(None) == Path("/etc/dialer/env.toml")
    monkeypatch.delenv(config.ENV_VAR)
    assert config.config_path(None) is None


def test_config_show_masks_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text('[ami]\nsecret = "s3cr3t-value"\n[trunk]\nusername = "u"\n'
                    'password = "carrier-pass"\n')
    assert main(["--config", str(path), "config", "show", "--json"]) == 0
    out = capsys.readouterr().out
    assert "s3cr3t-value" not in out and "carrier-pass" not in out
    shown = json.loads(out)
    assert shown["ami"]["secret"] == "********"
    assert shown["trunk"]["username"] == "u"
    assert shown["source"] == str(path)


def test_init_writes_a_loadable_sample_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "centre.toml"
    assert main(["init", str(target)]) == 0
    assert config.load(target).centre.timezone == "Asia/Tokyo"
    assert main(["init", str(target)]) == 2
    assert "exists" in capsys.readouterr().err


def test_cli_reports_an_invalid_file_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[web]\nport = 0\n")
    assert main(["--config", str(path), "config", "show"]) == 2
    err = capsys.readouterr().err
    assert "web.port" in err and "Traceback" not in err


def test_environment_variable_selects_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "env.toml"
    path.write_text('[centre]\ndedicated_number = "011-222-3333"\n')
    monkeypatch.setenv(config.ENV_VAR, str(path))
    assert main(["config", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["centre"]["dedicated_number"] == "0112223333"


def test_serve_refuses_placeholder_secrets_outside_the_sandbox(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text('[[seats]]\nname = "seat01"\npassword = "short"\n', encoding="utf-8")
    assert main(["--config", str(path), "serve"]) == 2
    err = capsys.readouterr().err
    assert "ami.secret: a placeholder" in err and "seats.seat01.password" in err
    good = config.load(path)
    strong = dataclasses.replace(good, ami=dataclasses.replace(good.ami, secret="x" * 32),
                                 seats=())
    assert config.production_problems(strong) == []


def test_no_secret_is_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`config show` masks the database URL's password too; `-v` never turns on the AMI
    library's message dump (residents' numbers)."""
    path = tmp_path / "dialer.toml"
    path.write_text('[database]\nurl = "postgresql+asyncpg://dialer:topsecret-pw@db.example/x"\n'
                    '[ami]\nsecret = "ami-secret-value-123"\n', encoding="utf-8")
    assert main(["--config", str(path), "config", "show"]) == 0
    shown = capsys.readouterr().out
    assert "topsecret-pw" not in shown and "ami-secret-value-123" not in shown
    assert "postgresql+asyncpg://dialer:********@db.example/x" in shown
    assert main(["-v", "--config", str(path), "calendar", "--from", "2027-01-12",
                 "--to", "2027-01-12"]) == 0
    assert logging.getLogger("panoramisk").getEffectiveLevel() >= logging.WARNING
