"""`dialer campaign open|close|list`: a manager opens and closes a batch's outbound campaign
(stored: every running service dials it within a second, and again after a restart);
`dialer campaign run`: the test driver of the outbound dialer on the sandbox.

It boots (or reuses) a sandbox Asterisk, starts the simulated residents behind the carrier and
the simulated seat phones, runs the service with its clock at ``--at`` if given, puts autopilot
operators on seats, dials the batch until nothing is due, and prints how every attempt ended.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import time
from datetime import datetime
from pathlib import Path

from dialer import config
from dialer.adapters.db import attempts, batches, users
from dialer.adapters.db.engine import Connection, Database
from dialer.app import Service
from dialer.commands import Commands, UsageError, fraction
from dialer.commands.intake import add_common, emit
from dialer.commands.sandbox import sandbox_dir
from dialer.config import Settings
from dialer.demo.autopilot import autopilot
from dialer.domain.pacing import Mode, Policy
from dialer.pbx import ports, sandbox, sipp
from dialer.services.callbacks import messages
from dialer.services.calls import campaigns
from dialer.services.calls.runner import PROGRESSIVE, Campaign
from dialer.services.runtime.clock import Clock, parse_at


def register(commands: Commands) -> None:
    cmd = commands.add_parser("campaign", help="outbound campaigns")
    sub = cmd.add_subparsers(dest="campaign_command", required=True)
    run = sub.add_parser("run", help="sandbox driver: dial a batch with simulated residents "
                                     "and autopilot operators")
    run.add_argument("--batch", type=int, required=True)
    run.add_argument("--operators", type=int, default=2)
    run.add_argument("--at", help='run the clock from this instant, e.g. "2027-01-12 12:00"')
    run.add_argument("--minutes", type=float, default=5.0, help="stop after this long")
    run.add_argument("--dir", type=Path, help="sandbox folder (default: DATA_DIR/sandbox)")
    run.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.PROGRESSIVE.value)
    run.add_argument("--abandon-cap", type=float, default=0.01,
                     help="predictive: abandoned / answered over the rolling window")
    run.add_argument("--ring-timeout", type=float, default=25.0, metavar="S",
                     help="seconds a resident's phone rings before the call counts as unanswered")
    run.add_argument("--sip-trace", action="store_true",
                     help="keep every SIP message of the simulated residents in the sandbox "
                          "folder (sipp-PORT-messages.log)")
    run.add_argument("--json", action="store_true")
    run.set_defaults(handler=run_campaign)
    opening = sub.add_parser("open", help="open a batch's campaign: every running service "
                                          "dials it within a second (manager, --as)")
    opening.add_argument("--batch", type=int, required=True)
    opening.add_argument("--ring-timeout", type=float, metavar="S",
                         default=campaigns.DEFAULT_RING_TIMEOUT_S,
                         help="seconds a resident's phone rings before the call counts as "
                              "unanswered")
    opening.add_argument("--mode", choices=[m.value for m in Mode],
                         default=Mode.PROGRESSIVE.value)
    opening.add_argument("--abandon-cap", type=fraction, default=0.01,
                         help="predictive: abandoned / answered over the rolling window")
    add_common(opening, handler=open_stored)
    closing = sub.add_parser("close", help="close a batch's campaign: no new call (calls on "
                                           "the line run to their end) (manager, --as)")
    closing.add_argument("--batch", type=int, required=True)
    add_common(closing, handler=close_stored)
    listing = sub.add_parser("list", help="the campaigns managers opened or closed")
    add_common(listing, handler=list_stored)


def _json(info: campaigns.CampaignInfo) -> dict[str, object]:
    return {**vars(info), "open": info.is_open}


def _line(info: campaigns.CampaignInfo, settings: Settings) -> str:
    def at(moment: datetime | None) -> str:
        return f"{moment.astimezone(settings.tz):%Y-%m-%d %H:%M}" if moment else ""

    state = (f"open since {at(info.opened_at)} by {info.opened_by}" if info.is_open
             else f"closed {at(info.closed_at)} by {info.closed_by}")
    return (f"batch {info.batch_id:>4}  {info.debt_type} {info.month}  [{state}]  "
            f"ring {info.ring_timeout_s:g} s  {info.mode}")


async def open_stored(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    opening = campaigns.Opening(args.ring_timeout, args.mode, args.abandon_cap)
    today = Clock(settings.tz)().date()
    try:
        info = await campaigns.open_campaign(database, config.calendar(settings), today,
                                             args.batch, args.actor, opening)
    except campaigns.CampaignError as exc:
        raise UsageError(str(exc)) from None
    emit(args, _json(info), "opened (running services dial it within a second): "
         + _line(info, settings))
    return 0


async def close_stored(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    try:
        info = await campaigns.close_campaign(database, args.batch, args.actor)
    except campaigns.CampaignError as exc:
        raise UsageError(str(exc)) from None
    emit(args, _json(info), "closed (no new call; calls on the line run to their end): "
         + _line(info, settings))
    return 0


async def list_stored(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    found = await campaigns.listing(database)
    emit(args, [_json(i) for i in found],
         "\n".join(_line(i, settings) for i in found) or "no campaign opened yet")
    return 0


def run_campaign(args: argparse.Namespace, settings: Settings) -> int:
    policy = Policy(mode=Mode(args.mode), abandon_cap=args.abandon_cap)
    counts = asyncio.run(drive(settings, sandbox_dir(args, settings), args.batch,
                               args.operators, args.at, args.minutes, args.ring_timeout,
                               policy=policy, trace=args.sip_trace))
    if args.json:
        print(json.dumps(counts, ensure_ascii=False))
    else:
        for code, n in sorted(counts.items()):
            label = settings.classification.get(code).label if code else "(open)"
            print(f"{code or '-':4} {label:24} {n}")
    return 0


async def drive(settings: Settings, directory: Path, batch_id: int, operators: int,
                at: str | None, minutes: float, ring_timeout_s: float = 25.0,
                policy: Policy = PROGRESSIVE, trace: bool = False) -> dict[str, int]:
    state = await sandbox.start(settings, directory, before_boot=messages.install_placeholders)
    try:
        async with sipp.running(["-sn", "uas"], state.phones_port, directory), \
                sipp.running(["-sf", str(sipp.RESIDENTS)], state.carrier_port, directory,
                             trace=trace):
            campaign = Campaign(batch_id, "", ring_timeout_s, policy)
            return await _with_service(settings, state, campaign, operators, at, minutes)
    finally:
        await asyncio.to_thread(sandbox.down, directory)


async def _with_service(settings: Settings, state: sandbox.SandboxState, campaign: Campaign,
                        operators: int, at: str | None, minutes: float) -> dict[str, int]:
    port = ports.free_tcp_port()

    def adjust(s: Settings) -> Settings:
        inside = sandbox.service_settings(s, state)
        return dataclasses.replace(inside, web=dataclasses.replace(inside.web, port=port))

    clock = Clock(settings.tz, parse_at(at, settings.tz) if at else None)
    service = Service(settings, adjust=adjust, clock=clock)
    await service.start()
    try:
        await _dial(service, state, campaign, operators, minutes)
        return await attempts.outcome_counts(service.database, campaign.batch_id)
    finally:
        await service.stop()


async def _dial(service: Service, state: sandbox.SandboxState, campaign: Campaign,
                operators: int, minutes: float) -> None:
    batch_id = campaign.batch_id
    async with service.database.transaction() as conn:
        batch = await batches.get(conn, batch_id)
        if batch is None:
            raise UsageError(f"no batch {batch_id}")
        pilots = [await _autopilot_user(conn, n) for n in range(1, operators + 1)]
    for (user_id, login), seat in zip(pilots, state.seats, strict=False):
        await service.sessions.go_ready(user_id, login, seat)
    service.runner.open(dataclasses.replace(campaign, debt_type=batch.debt_type,
                                            month=batch.month))
    pilot = asyncio.create_task(autopilot(service.runner, service.pool, wrap_s=1.0))
    try:
        await _until_nothing_due(service, batch_id, time.monotonic() + minutes * 60)
    finally:
        pilot.cancel()
        await asyncio.gather(pilot, return_exceptions=True)


async def _autopilot_user(conn: Connection, n: int) -> tuple[int, str]:
    login = f"autopilot{n:02d}"
    found = await users.by_login(conn, login)
    if found is not None:
        return found.id, login
    return await users.add(conn, login, f"自動オペレーター{n}", "operator"), login


async def _until_nothing_due(service: Service, batch_id: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        if service.runner.in_flight or any(op.attempt_id for op in service.pool.all()):
            continue
        if await service.store.next_candidate(batch_id, service.now(), frozenset()) is None:
            return
