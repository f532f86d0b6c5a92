"""`dialer serve` and `dialer demo`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from dialer import app, config
from dialer.commands import Commands
from dialer.commands.sandbox import sandbox_dir
from dialer.config import Settings
from dialer.pbx import sandbox
from dialer.services import messages


def register(commands: Commands) -> None:
    serve_cmd = commands.add_parser("serve", help="run the service (AMI, web console)")
    serve_cmd.set_defaults(handler=serve)
    demo_cmd = commands.add_parser("demo", help="sandbox Asterisk + the service, on loopback")
    demo_cmd.add_argument("--dir", type=Path, help="sandbox folder (default: DATA_DIR/sandbox)")
    demo_cmd.set_defaults(handler=demo)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_run(settings, config.config_path(args.config)))
    return 0


async def _run(settings: Settings, path: Path | None) -> None:
    await app.run(app.Service(settings, path))


def demo(args: argparse.Namespace, settings: Settings) -> int:
    directory = sandbox_dir(args, settings)
    state = sandbox.up(settings, directory)
    try:
        asyncio.run(_run_demo(settings, config.config_path(args.config), state))
    finally:
        sandbox.down(directory)
        print("demo stopped; sandbox Asterisk stopped")
    return 0


async def _run_demo(settings: Settings, path: Path | None, state: sandbox.SandboxState) -> None:
    service = app.Service(settings, path, adjust=lambda s: sandbox.service_settings(s, state))
    messages.install_placeholders(service.settings)
    await app.run(service, on_ready=lambda service: _banner(service, state))


def _banner(service: app.Service, state: sandbox.SandboxState) -> None:
    print(f"""
== {service.settings.centre.name}: demo running ==
  console     {service.url}
  health      {service.url}api/health
  Asterisk    {state.version}, AMI 127.0.0.1:{state.ami_port}
  carrier     calls leave through the pstn trunk to 127.0.0.1:{state.carrier_port}
  database    {config.database_file(service.settings) or service.settings.database.url}
Ctrl-C stops the service and the sandbox.
""", flush=True)
