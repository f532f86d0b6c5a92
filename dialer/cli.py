"""The `dialer` command. Each sub-command is a thin shell over a module that does the work."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from dialer import app, config
from dialer.adapters.ami import AmiError
from dialer.config import ConfigError, Settings
from dialer.pbx import render, rootfs, sandbox
from dialer.pbx.prerequisites import PrerequisiteError

SAMPLE_CONFIG = Path(__file__).with_name("sample_config.toml")
EXPECTED_ERRORS = (
    ConfigError, PrerequisiteError, sandbox.SandboxError, rootfs.RootfsError, AmiError, OSError,
)

Handler = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("panoramisk").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        if args.command == "init":
            return _init(args)
        settings = config.load(config.config_path(args.config))
        handler: Handler = args.handler
        return handler(args, settings)
    except EXPECTED_ERRORS as exc:
        print(f"dialer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialer", description=__doc__)
    parser.add_argument("--config", help=f"TOML file (default: ${config.ENV_VAR} or built-in)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="write a commented sample configuration")
    init.add_argument("path", nargs="?", default="dialer.toml")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    cfg = commands.add_parser("config", help="the effective configuration")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    show = cfg_sub.add_parser("show", help="print it, secrets masked")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_config_show)

    ast = commands.add_parser("asterisk", help="the Asterisk configuration for a production host")
    ast_sub = ast.add_subparsers(dest="asterisk_command", required=True)
    rnd = ast_sub.add_parser("render", help="render asterisk_conf/ for this site into a folder")
    rnd.add_argument("--out", required=True, type=Path)
    rnd.set_defaults(handler=_asterisk_render)

    serve = commands.add_parser("serve", help="run the service (AMI, web console)")
    serve.set_defaults(handler=_serve)
    demo = commands.add_parser("demo", help="sandbox Asterisk + the service, on loopback")
    demo.add_argument("--dir", type=Path, help="sandbox folder (default: DATA_DIR/sandbox)")
    demo.set_defaults(handler=_demo)

    _sandbox_parser(commands)
    return parser


def _sandbox_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sbx = commands.add_parser("sandbox", help="a throwaway Asterisk 22 on loopback")
    sbx_sub = sbx.add_subparsers(dest="sandbox_command", required=True)
    build = sbx_sub.add_parser("build", help="build (once, cached) the Asterisk root filesystem")
    build.add_argument("--refresh", action="store_true", help="rebuild even if cached")
    build.set_defaults(handler=_sandbox_build)
    for name, handler, text in (
        ("up", _sandbox_up, "start it and wait until FullyBooted"),
        ("down", _sandbox_down, "stop it (core stop now), leaving no process"),
        ("status", _sandbox_status, "is it running, which Asterisk, where"),
    ):
        sub = sbx_sub.add_parser(name, help=text)
        sub.add_argument("--dir", type=Path, help="sandbox folder (default: DATA_DIR/sandbox)")
        sub.add_argument("--json", action="store_true")
        sub.set_defaults(handler=handler)


def _init(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"dialer: {path} exists; use --force to overwrite", file=sys.stderr)
        return 2
    path.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    print(f"wrote {path}; check it with: dialer --config {path} config show")
    return 0


def _config_show(args: argparse.Namespace, settings: Settings) -> int:
    data = config.as_dict(settings)
    if args.json:
        print(json.dumps({"source": settings.source, **data}, ensure_ascii=False, indent=2))
        return 0
    print(f"# effective configuration (from {settings.source})")
    for section, values in data.items():
        print(f"\n[{section}]")
        for key, value in values.items():
            print(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return 0


def _asterisk_render(args: argparse.Namespace, settings: Settings) -> int:
    for path in render.write(render.render(settings), args.out):
        print(path)
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(app.run(settings))
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    directory = _sandbox_dir(args, settings)
    state = sandbox.up(settings, directory)
    try:
        settings = dataclasses.replace(settings, ami=state.ami())
        asyncio.run(app.run(settings, on_ready=lambda service: _demo_banner(service, state)))
    finally:
        sandbox.down(directory)
        print("demo stopped; sandbox Asterisk stopped")
    return 0


def _demo_banner(service: app.Service, state: sandbox.SandboxState) -> None:
    print(f"""
== {service.settings.centre.name}: demo running ==
  console     {service.url}
  health      {service.url}api/health
  Asterisk    {state.version}, AMI 127.0.0.1:{state.ami_port}
  carrier     calls leave through the pstn trunk to 127.0.0.1:{state.carrier_port}
  database    {config.database_file(service.settings) or service.settings.database.url}
Ctrl-C stops the service and the sandbox.
""", flush=True)


def _sandbox_dir(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.dir) if args.dir else settings.paths.data_dir / "sandbox"


def _sandbox_build(args: argparse.Namespace, settings: Settings) -> int:
    root = rootfs.ensure(refresh=args.refresh)
    print(f"{root}: {rootfs.asterisk_version(root)}")
    return 0


def _sandbox_up(args: argparse.Namespace, settings: Settings) -> int:
    state = sandbox.up(settings, _sandbox_dir(args, settings))
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


def _sandbox_down(args: argparse.Namespace, settings: Settings) -> int:
    stopped = sandbox.down(_sandbox_dir(args, settings))
    print("sandbox stopped" if stopped else "no sandbox was running")
    return 0


def _sandbox_status(args: argparse.Namespace, settings: Settings) -> int:
    st = sandbox.status(_sandbox_dir(args, settings))
    if args.json:
        state = vars(st.state) if st.state else None
        print(json.dumps({"running": st.running, "version": st.version, "state": state}))
    elif st.running and st.state:
        print(f"running: {st.version}\n  pid {st.state.pid}, AMI 127.0.0.1:{st.state.ami_port}")
        print(f"  {st.uptime}")
    else:
        print("not running")
    return 0 if st.running else 3
