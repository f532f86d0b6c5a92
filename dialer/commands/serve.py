"""`dialer serve` and `dialer demo`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from dialer import app, config
from dialer.commands import Commands, UsageError
from dialer.commands.sandbox import sandbox_dir
from dialer.config import Settings
from dialer.demo.centre import (
    DEMO_ACCOUNTS,
    demo_instant,
    run_demo_centre,
    simulated_callers,
    with_demo_period,
)
from dialer.pbx import sandbox, sipp
from dialer.services.callbacks import messages
from dialer.services.runtime.clock import Clock, parse_at


def register(commands: Commands) -> None:
    serve_cmd = commands.add_parser(
        "serve", help="run the service (AMI, web console)",
        description="Run the service until SIGINT or SIGTERM. --sandbox and --at are for "
                    "sandboxes, demos and tests, never for the centre's own Asterisk.")
    serve_cmd.add_argument(
        "--sandbox", type=Path, metavar="DIR",
        help="sandboxes, demos and tests: use the sandbox Asterisk already running in DIR "
             "(`dialer sandbox up --dir DIR`): its AMI, FastAGI port, carrier, seats and "
             "folders replace the configured ones")
    serve_cmd.add_argument(
        "--at", metavar='"YYYY-MM-DD HH:MM"',
        help="sandboxes, demos and tests: the service clock starts at this instant (centre "
             'time, e.g. "2027-01-12 12:00") and runs on from there, so calling windows are '
             "open whatever the real hour")
    serve_cmd.add_argument(
        "--at-since", type=float, metavar="UNIX_TIME",
        help="with --at: the real moment the clock reads --at (default: when the service "
             "starts); several processes given the same pair share one clock")
    serve_cmd.set_defaults(handler=serve)
    demo_cmd = commands.add_parser("demo", help="sandbox Asterisk + the service, on loopback")
    demo_cmd.add_argument("--dir", type=Path, help="sandbox folder (default: DATA_DIR/sandbox)")
    demo_cmd.add_argument("--at", help='demo clock start, e.g. "2027-01-12 12:00" '
                                       "(default: now if a window is open, else the next one)")
    demo_cmd.set_defaults(handler=demo)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    state = _running_sandbox(args.sandbox) if args.sandbox else None
    at = _instant(args.at, settings) if args.at else None
    if state is None and (problems := config.production_problems(settings)):
        for problem in problems:
            print(f"dialer: {problem}", file=sys.stderr)
        print("dialer: not starting on the centre's Asterisk with these", file=sys.stderr)
        return 2
    asyncio.run(_run(settings, config.config_path(args.config), state, at, args.at_since))
    return 0


def _running_sandbox(directory: Path) -> sandbox.SandboxState:
    state = sandbox.load_state(directory)
    if state is None or not state.pid or not sandbox.is_alive(state.pid):
        raise sandbox.SandboxError(f"no sandbox running in {directory}; "
                                   f"start one with `dialer sandbox up --dir {directory}`")
    return state


def _instant(text: str, settings: Settings) -> datetime:
    try:
        return parse_at(text, settings.tz)
    except ValueError:
        raise UsageError(f'--at {text!r}: expected "YYYY-MM-DD HH:MM"') from None


async def _run(settings: Settings, path: Path | None, state: sandbox.SandboxState | None = None,
               at: datetime | None = None, since: float | None = None) -> None:
    def adjust(s: Settings) -> Settings:
        return sandbox.service_settings(s, state) if state is not None else s

    await app.run(app.Service(settings, path, adjust=adjust,
                              clock=Clock(settings.tz, at, since)))


def demo(args: argparse.Namespace, settings: Settings) -> int:
    directory = sandbox_dir(args, settings)
    real_now = datetime.now(settings.tz)
    at = parse_at(args.at, settings.tz) if args.at else demo_instant(settings, real_now)
    state = sandbox.up(settings, directory, today=at.date(),
                       before_boot=messages.install_placeholders)  # hold audio before boot
    try:
        asyncio.run(_run_demo(settings, config.config_path(args.config), state, at))
    finally:
        sandbox.down(directory)
        print("demo stopped; sandbox Asterisk stopped")
    return 0


async def _run_demo(settings: Settings, path: Path | None, state: sandbox.SandboxState,
                    at: datetime) -> None:
    def adjust(s: Settings) -> Settings:
        return with_demo_period(sandbox.service_settings(s, state), at.date())

    directory = Path(state.dir)
    async with sipp.running(["-sn", "uas"], state.phones_port, directory), \
            sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port, directory):
        service = app.Service(settings, path, adjust=adjust, clock=Clock(settings.tz, at))
        announced: list[bool] = []

        def announce() -> None:  # once, even if the demo loop is restarted
            if not announced:
                announced.append(True)
                _banner(service, state)

        service.supervise("demo-centre",
                          lambda: run_demo_centre(service, state.seats, announce))
        service.supervise("demo-callers",
                          lambda: simulated_callers(service, state, directory))
        await app.run(service)


def _banner(service: app.Service, state: sandbox.SandboxState) -> None:
    print(f"""
== {service.settings.centre.name}: demo running ==
  console     {service.url}  (log in as {_accounts()})
  health      {service.url}api/health
  Asterisk    {state.version}, AMI 127.0.0.1:{state.ami_port}
  carrier     calls leave through the pstn trunk to 127.0.0.1:{state.carrier_port}
  database    {config.database_file(service.settings)
               or config.masked_url(service.settings.database.url)}
  clock       {service.now():%Y-%m-%d %H:%M} ({"shifted " if service.now.shifted else ""}demo clock)
  residents   simulated behind the carrier; autopilot operators on seats 02-04 are dialing;
              from about a minute on, residents call the dedicated number back (本人確認);
              every third of them calls after hours and hears the out-of-hours message
Ctrl-C stops the service and the sandbox.
""", flush=True)


def _accounts() -> str:
    return ", ".join(f"{role} {login} / {password}"
                     for login, _name, role, password in DEMO_ACCOUNTS)
