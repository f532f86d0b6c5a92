"""`dialer sandbox build | up | down | status`: a throwaway Asterisk 22 on loopback."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dialer.commands import Commands
from dialer.config import Settings
from dialer.pbx import rootfs, sandbox
from dialer.services.callbacks import messages


def register(commands: Commands) -> None:
    sbx = commands.add_parser("sandbox", help="a throwaway Asterisk 22 on loopback")
    sub = sbx.add_subparsers(dest="sandbox_command", required=True)
    build = sub.add_parser("build", help="build (once, cached) the Asterisk root filesystem")
    build.add_argument("--refresh", action="store_true", help="rebuild even if cached")
    build.set_defaults(handler=build_rootfs)
    for name, handler, text in (
        ("up", up, "start it and wait until FullyBooted"),
        ("down", down, "stop it (core stop now), leaving no process"),
        ("status", status, "is it running, which Asterisk, where"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--dir", type=Path, help="sandbox folder (default: DATA_DIR/sandbox)")
        cmd.add_argument("--json", action="store_true")
        cmd.set_defaults(handler=handler)


def sandbox_dir(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.dir) if args.dir else settings.paths.data_dir / "sandbox"


def build_rootfs(args: argparse.Namespace, _settings: Settings) -> int:
    root = rootfs.ensure(refresh=args.refresh)
    print(f"{root}: {rootfs.asterisk_version(root)}")
    return 0


def up(args: argparse.Namespace, settings: Settings) -> int:
    state = sandbox.up(settings, sandbox_dir(args, settings),
                       before_boot=messages.install_hold_placeholder)
    if args.json:
        print(json.dumps(vars(state) | {"ami_host": "127.0.0.1"}, indent=2))
        return 0
    print(f"sandbox running: {state.version} (pid {state.pid})")
    print(f"  AMI     127.0.0.1:{state.ami_port}  user {state.ami_username}"
          f"  secret {state.ami_secret}")
    print(f"  SIP     127.0.0.1:{state.sip_port}")
    print(f"  carrier 127.0.0.1:{state.carrier_port}  (where the pstn trunk sends calls)")
    print(f"  files {state.host_inner}  state {sandbox.state_path(Path(state.dir))}")
    return 0


def down(args: argparse.Namespace, settings: Settings) -> int:
    stopped = sandbox.down(sandbox_dir(args, settings))
    print("sandbox stopped" if stopped else "no sandbox was running")
    return 0


def status(args: argparse.Namespace, settings: Settings) -> int:
    st = sandbox.status(sandbox_dir(args, settings))
    if args.json:
        state = vars(st.state) if st.state else None
        print(json.dumps({"running": st.running, "version": st.version, "state": state}))
    elif st.running and st.state:
        print(f"running: {st.version}\n  pid {st.state.pid}, AMI 127.0.0.1:{st.state.ami_port}")
        print(f"  {st.uptime}")
    else:
        print("not running")
    return 0 if st.running else 3
