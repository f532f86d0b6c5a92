"""The service under soak, in a process of its own (its RSS is the service's alone): the real
``dialer.app.Service`` pointed at a sandbox Asterisk, as ``dialer serve`` runs it, with only its
Originates turned to Local channels (``tests.bench.local_calls``) and the campaign of one batch
open from the start. Stopped by SIGTERM like ``dialer serve``.

    python -m tests.bench.soak_service --sandbox DIR --config TOML --port P --seats N
        --batch B [--ring-s 1] [--talk-s 10] [--quick-logins]

Seats are ``soak001``…; operators go ready on them through the console (``/api/console/ready``).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
from pathlib import Path

from argon2 import PasswordHasher

from dialer import app, config
from dialer.adapters import passwords
from dialer.config import Settings
from dialer.config_tables import Seat
from dialer.pbx import sandbox
from dialer.services.calls.runner import Campaign
from dialer.services.runtime.clock import Clock
from tests.asterisk.kit import OPEN, TOKYO
from tests.bench.local_calls import route_to_local

RING_TIMEOUT_S = 10.0
# --quick-logins (the bounded test): argon2id at its lowest cost, for the accounts' hashes and
# in this process. At the default cost 200 logins take 15-30 s of a 2-core machine; the soak
# measures what comes after them, and the bench keeps the real cost (``soak_log_in_s``).
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def seat_names(count: int) -> list[str]:
    return [f"soak{n:03d}" for n in range(1, count + 1)]


def service(args: argparse.Namespace) -> app.Service:
    state = sandbox.load_state(args.sandbox)
    if state is None:
        raise SystemExit(f"no sandbox in {args.sandbox}")

    def adjust(settings: Settings) -> Settings:
        inside = sandbox.service_settings(settings, state)
        return dataclasses.replace(
            inside, web=dataclasses.replace(inside.web, port=args.port),
            seats=tuple(Seat(name) for name in seat_names(args.seats)))

    running = app.Service(config.load(args.config), args.config, adjust=adjust,
                          watch_interval_s=60, clock=Clock(TOKYO, OPEN))
    route_to_local(running.ami, args.ring_s, args.talk_s)
    if args.quick_logins:
        passwords._HASHER = QUICK_HASHER
    return running


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sandbox", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seats", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--ring-s", type=float, default=1.0)
    parser.add_argument("--talk-s", type=float, default=10.0)
    parser.add_argument("--quick-logins", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("panoramisk").setLevel(logging.WARNING)

    async def serve() -> None:
        running = service(args)
        campaign = Campaign(args.batch, "hoikuryo", ring_timeout_s=RING_TIMEOUT_S)
        await app.run(running, on_ready=lambda s: s.runner.open(campaign))

    asyncio.run(serve())


if __name__ == "__main__":
    main()
