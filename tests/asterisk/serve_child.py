"""`dialer serve` as its own process for the kill -9 test (``test_serve_kill.py``):

    python -m tests.asterisk.serve_child --config FILE --sandbox DIR --at "2027-01-12 12:00"
        --batch ID [--ring-timeout S]

The very service `dialer serve` runs (``app.run(app.Service(settings, path))``), pointed at a
sandbox and with its clock at ``--at`` the way `dialer demo` does it, plus one thing `dialer
serve` cannot do yet: open a campaign (no command, page or stored state opens one; only
`dialer demo` and `dialer campaign run` do, inside their own process). It is opened once the
service is up, as a manager would."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from dialer import app, config
from dialer.config import Settings
from dialer.pbx import sandbox
from dialer.services.campaign import Campaign
from dialer.services.clock import Clock, parse_at
from dialer.services.demo import with_demo_period


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="serve_child")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--sandbox", type=Path, required=True)
    parser.add_argument("--at", required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--debt-type", default="hoikuryo")
    parser.add_argument("--ring-timeout", type=float, default=20.0)
    return parser.parse_args()


async def serve(args: argparse.Namespace) -> None:
    state = sandbox.load_state(args.sandbox)
    if state is None:
        raise SystemExit(f"no sandbox in {args.sandbox}")
    settings = config.load(args.config)
    at = parse_at(args.at, settings.tz)

    def adjust(s: Settings) -> Settings:
        return with_demo_period(sandbox.service_settings(s, state), at.date())

    def open_campaign(service: app.Service) -> None:
        service.runner.open(Campaign(args.batch, args.debt_type,
                                     ring_timeout_s=args.ring_timeout))

    await app.run(app.Service(settings, args.config, adjust=adjust,
                              clock=Clock(settings.tz, at)), on_ready=open_campaign)


def main() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("panoramisk").setLevel(logging.WARNING)
    asyncio.run(serve(arguments()))


if __name__ == "__main__":
    main()
