"""The files in ``deploy/`` a city installs with the service: the systemd unit, its user and its
folders. Checked with systemd's own tools (Debian's ``systemd`` package, which ``make setup``
installs): ``systemd-analyze verify`` and the offline security score for the unit,
``systemd-sysusers`` and ``systemd-tmpfiles`` run against a scratch root for the user and the
folders; and against the service itself: its command line parses, and every place the service
writes under the production paths (``deploy/dialer.toml``) is writable in the unit."""

from __future__ import annotations

import re
import shlex
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from dialer import cli, config
from dialer.pbx import render

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "dialer.service"
DIALER = ROOT / ".venv" / "bin" / "dialer"
# systemd-analyze's scale: 0 (locked down) .. 10 (UNSAFE); Debian's own daemons mostly sit 5-9.
MAX_EXPOSURE = 2.0


def directives(text: str) -> dict[str, list[str]]:
    """The [Service] section's directives, each with every value it is given, in order."""
    section, found = "", dict[str, list[str]]()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


SERVICE = directives(UNIT.read_text(encoding="utf-8"))


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: `make setup` installs Debian's systemd package"
    return path


def unit_for_this_machine(tmp_path: Path) -> Path:
    """The unit with its ExecStart pointed at this checkout's venv (verify wants it to exist)."""
    path = tmp_path / "dialer.service"
    path.write_text(UNIT.read_text(encoding="utf-8").replace(
        "/opt/dialer/.venv/bin/dialer", str(DIALER)), encoding="utf-8")
    return path


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    run = subprocess.run([tool("systemd-analyze"), "verify", str(unit_for_this_machine(tmp_path))],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0 and not run.stderr.strip(), run.stderr


def test_the_unit_is_locked_down(tmp_path: Path) -> None:
    run = subprocess.run([tool("systemd-analyze"), "security", "--offline=yes", "--no-pager",
                          str(unit_for_this_machine(tmp_path))],
                         capture_output=True, text=True, timeout=60, check=False)
    score = re.search(r"Overall exposure level for dialer\.service: ([\d.]+)", run.stdout)
    assert score, run.stdout + run.stderr
    assert float(score.group(1)) <= MAX_EXPOSURE, run.stdout
    assert SERVICE["User"] == ["dialer"] and SERVICE["UMask"] == ["0077"]
    assert SERVICE["ProtectSystem"] == ["strict"] and SERVICE["NoNewPrivileges"] == ["yes"]
    assert SERVICE["CapabilityBoundingSet"] == [""]


def test_its_command_line_is_this_version_s() -> None:
    [command] = SERVICE["ExecStart"]
    argv = shlex.split(command)
    assert argv[0] == "/opt/dialer/.venv/bin/dialer"
    args = cli.parser().parse_args(argv[1:])
    assert args.config == "/etc/dialer/dialer.toml"
    assert args.command == "serve" and not args.sandbox


def writable_roots() -> list[Path]:
    """What the unit lets the service write (ProtectSystem=strict: nothing else)."""
    roots = [Path("/var/lib", name) for value in SERVICE["StateDirectory"]
             for name in value.split()]
    roots += [Path(p.lstrip("-")) for value in SERVICE["ReadWritePaths"] for p in value.split()]
    return roots


def production_settings() -> config.Settings:
    return config.load(DEPLOY / "dialer.toml")


def test_everything_the_service_writes_is_writable_in_the_unit() -> None:
    s = production_settings()
    db = config.database_file(s)
    assert db is not None
    written = [db.parent, s.paths.data_dir, s.paths.recordings_dir, s.paths.outbox_dir,
               s.paths.sounds_dir, s.paths.recordings_spool, s.backup.dir,
               (s.asterisk.conf_dir / render.CALENDAR_FILE).parent,
               *(section.key_file.parent for section in vars(s).values()
                 if hasattr(section, "key_file"))]
    roots = writable_roots()
    for path in written:
        assert any(path.is_relative_to(r) for r in roots), f"{path}: read-only in the unit"
    # the keys sit apart from what they protect; Asterisk's own configuration stays read-only
    assert not s.recordings.key_file.is_relative_to(s.paths.data_dir)
    assert not s.backup.key_file.is_relative_to(s.backup.dir)
    assert not any(r in (Path("/etc/asterisk"), Path("/etc")) for r in roots)
    # the paths pass the service's own production checks (only the city's secrets are left)
    assert [p.split(":")[0] for p in config.production_problems(s)] == ["ami.secret"]


def test_the_user_and_folders_come_out_as_the_unit_expects(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    asterisk = tmp_path / "asterisk.sysusers"  # the city's Asterisk package makes this user
    asterisk.write_text('u asterisk - "Asterisk PBX" /var/lib/asterisk\n', encoding="utf-8")
    for users in (asterisk, DEPLOY / "dialer.sysusers"):
        subprocess.run([tool("systemd-sysusers"), f"--root={root}", str(users)],
                       check=True, capture_output=True, timeout=60)
    passwd = (root / "etc" / "passwd").read_text(encoding="utf-8")
    [entry] = [line.split(":") for line in passwd.splitlines() if line.startswith("dialer:")]
    assert int(entry[2]) < 1000 and entry[6] == "/usr/sbin/nologin"  # a system user, no login
    subprocess.run([tool("systemd-tmpfiles"), f"--root={root}", "--create",
                    str(DEPLOY / "dialer.tmpfiles")], check=True, capture_output=True, timeout=60)
    uid, gid = int(entry[2]), int(entry[3])

    def mode(path: str) -> tuple[int, int, int]:
        st = (root / path.lstrip("/")).stat()
        return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid

    s = production_settings()
    assert mode(str(s.paths.data_dir)) == (0o700, uid, gid)
    assert mode(str(s.backup.dir)) == (0o700, uid, gid)
    spool_mode, _asterisk_uid, spool_gid = mode(str(s.paths.recordings_spool))
    assert spool_mode == 0o2770 and spool_gid == gid  # Asterisk writes, the dialer group reads
    assert mode(str((s.asterisk.conf_dir / render.CALENDAR_FILE).parent))[1] == uid


@pytest.mark.parametrize("name", ["dialer.service", "dialer.sysusers", "dialer.tmpfiles",
                                  "dialer.toml", "nginx-dialer.conf"])
def test_the_readme_names_every_deploy_file(name: str) -> None:
    assert f"deploy/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_an_installed_copy_carries_every_file_the_service_reads(tmp_path: Path) -> None:
    """Step 1 installs the wheel, not the checkout: every template, page, sipp scenario and
    Asterisk configuration must be in it (an installed copy once rendered no Asterisk files)."""
    subprocess.run([str(ROOT / ".venv" / "bin" / "pip"), "wheel", "-q", "--no-deps", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("sapporo_dialer-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if ".dist-info/" not in name}
    listed = subprocess.run(["git", "ls-files", "dialer", "agent_ui", "recordings_policy",
                             "asterisk_conf"], cwd=ROOT, check=True, capture_output=True,
                            text=True, timeout=60).stdout.split()
    needed = {name for name in listed if not name.endswith(".mako")}  # a developer's template
    assert needed - shipped == set()
