"""Outbound campaigns a manager opens and closes on the command line: stored, applied by a
running service within a second (it polls), found again by a service started later; refused
for a missing or erased batch, a debt type whose calling period has ended or that lacks an
approved talk script, Q&A set or 業務マニュアル, a non-manager; every open and close in the access
log. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest

from dialer import config
from dialer.adapters.db import audit, batches
from dialer.adapters.db import documents as documents_db
from dialer.adapters.db.engine import Database
from dialer.config import Settings
from dialer.domain.pacing import Mode, Policy
from dialer.services.calls import campaigns
from dialer.services.calls.campaigns import CampaignError, Campaigns, Opening
from dialer.services.calls.runner import Campaign
from tests.component.conftest import Dialer, config_text
from tests.component.governance.conftest import until
from tests.support.approved_documents import approve_documents

PERIODS = """
[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]

[[periods]]
debt_type = "kyushoku"
month = "2025-01"
calling = ["2025-01-06", "2025-01-24"]
callback = ["2025-01-06", "2025-01-31"]
"""
TODAY = date(2026, 12, 1)  # before hoikuryo's calling period, after kyushoku's


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "dialer.toml"
    path.write_text(config_text(database_url) + PERIODS, encoding="utf-8")
    return path


@pytest.fixture
async def approved(database: Database) -> None:
    """The city's approvals hoikuryo's campaigns need: its script, Q&A set and manual."""
    await approve_documents(database, "hoikuryo")


class Runner:
    """The campaign runner's campaigns, as ``Campaigns`` drives them."""

    def __init__(self) -> None:
        self.campaigns: dict[int, Campaign] = {}

    def open(self, campaign: Campaign) -> None:
        self.campaigns[campaign.batch_id] = campaign

    def close(self, batch_id: int) -> None:
        self.campaigns.pop(batch_id, None)


MONTHS = {"hoikuryo": "2027-01", "kyushoku": "2025-01"}  # each list's month in PERIODS


async def add_batch(database: Database, debt_type: str = "hoikuryo", month: str = "") -> int:
    async with database.engine.begin() as conn:
        return await batches.create(conn, debt_type=debt_type,
                                    month=month or MONTHS[debt_type],
                                    source_name=f"{debt_type}.csv", sha256="0" * 64,
                                    encoding="cp932", imported_by="test")


def service(database: Database, settings: Settings, runner: Runner) -> Campaigns:
    return Campaigns(database, runner, lambda: config.calendar(settings), lambda: TODAY)


async def cli(dialer: Dialer, *args: str) -> tuple[int, str, str]:
    """The `dialer` command in a process of its own would be the same: its own event loop."""
    return await asyncio.to_thread(dialer, *args)


async def test_a_command_line_open_and_close_reach_a_running_service_within_a_second(
        database: Database, settings: Settings, manager: str, dialer: Dialer,
        approved: None) -> None:
    batch = await add_batch(database)
    running, pushes = Runner(), []
    part = Campaigns(database, running, lambda: config.calendar(settings), lambda: TODAY,
                     listeners=[lambda: pushes.append(1)])
    await part.load()
    running.open(Campaign(99, "kyushoku"))  # opened in-process (`dialer campaign run`)
    watch = asyncio.create_task(part.watch())
    try:
        code, out, err = await cli(dialer, "campaign", "open", "--batch", str(batch),
                                   "--ring-timeout", "15", "--as", "kanri")
        assert code == 0, err
        assert "opened" in out and f"batch {batch:>4}" in out
        taken = await until(lambda: batch in running.campaigns, 1.0)
        assert taken is not None and taken < 1.0
        assert running.campaigns[batch] == Campaign(batch, "hoikuryo", 15.0, Policy(), "2027-01")

        restarted = Runner()  # a service started later (or another one) dials it too
        await service(database, settings, restarted).load()
        assert restarted.campaigns == {batch: running.campaigns[batch]}

        code, out, err = await cli(dialer, "campaign", "close", "--batch", str(batch),
                                   "--as", "kanri")
        assert code == 0, err
        assert await until(lambda: batch not in running.campaigns, 1.0) is not None
        assert 99 in running.campaigns  # not this part's to close
        assert len(pushes) == 3
    finally:
        watch.cancel()
    code, out, _ = await cli(dialer, "campaign", "list", "--json")
    [listed] = json.loads(out)
    assert (listed["batch_id"], listed["state"], listed["closed_by"], listed["open"]) \
        == (batch, "closed", "kanri", False)
    async with database.engine.connect() as conn:
        logged = [(e.action, e.obj, e.actor) for e in await audit.entries(conn)]
    assert ("campaign.open", f"batch:{batch}", "kanri") in logged
    assert ("campaign.close", f"batch:{batch}", "kanri") in logged


async def test_a_closed_campaign_opens_again_with_its_new_settings(
        database: Database, settings: Settings, manager: str, approved: None) -> None:
    batch = await add_batch(database)
    running = Runner()
    part = service(database, settings, running)
    await part.load()
    await part.open(batch, "kanri")
    assert running.campaigns[batch].ring_timeout_s == campaigns.DEFAULT_RING_TIMEOUT_S
    with pytest.raises(CampaignError, match="open already"):
        await part.open(batch, "kanri")
    await part.close(batch, "kanri")
    assert running.campaigns == {}
    with pytest.raises(CampaignError, match="not open"):
        await part.close(batch, "kanri")
    await part.open(batch, "kanri", Opening(40.0, "predictive", 0.02))
    assert running.campaigns[batch] == Campaign(
        batch, "hoikuryo", 40.0, Policy(mode=Mode.PREDICTIVE, abandon_cap=0.02), "2027-01")
    [info] = await campaigns.listing(database, only_open=True)
    assert (info.opened_by, info.closed_by, info.mode) == ("kanri", None, "predictive")


async def test_an_erased_batch_stops_being_dialed(
        database: Database, settings: Settings, manager: str, approved: None) -> None:
    batch = await add_batch(database)
    running = Runner()
    part = service(database, settings, running)
    await part.open(batch, "kanri")
    async with database.engine.begin() as conn:
        await batches.delete_batch(conn, batch)
    assert await part.refresh()
    assert running.campaigns == {}
    assert await campaigns.listing(database) == []
    with pytest.raises(CampaignError, match="erased"):
        await part.open(batch, "kanri")


async def test_refusals_are_clear(database: Database, settings: Settings, manager: str,
                                  dialer: Dialer) -> None:
    batch = await add_batch(database)
    ended = await add_batch(database, "kyushoku")
    unplanned = await add_batch(database, "hoikuryo", "2027-03")  # no period for March's list
    refused = {
        ("--batch", "4242", "--as", "kanri"): "no batch 4242",
        ("--batch", str(ended), "--as", "kanri"): "calling period of kyushoku 2025-01",
        ("--batch", str(unplanned), "--as", "kanri"): "no calling period for hoikuryo 2027-03",
        ("--batch", str(batch), "--as", "op1"): "'op1' is operator",
        ("--batch", str(batch)): "--as LOGIN",
        ("--batch", str(batch), "--ring-timeout", "1", "--as", "kanri"): "ring timeout",
    }
    for args, message in refused.items():
        code, _, err = await cli(dialer, "campaign", "open", *args)
        assert code == 2 and message in err, (args, err)
    code, _, err = await cli(dialer, "campaign", "close", "--batch", str(batch), "--as", "kanri")
    assert code == 2 and "not open" in err
    code, out, _ = await cli(dialer, "campaign", "list")
    assert code == 0 and "no campaign opened yet" in out
    async with database.engine.connect() as conn:
        assert not [e for e in await audit.entries(conn) if e.action.startswith("campaign.")]


async def test_a_campaign_opens_only_with_an_approved_script_qa_and_manual(
        database: Database, settings: Settings, manager: str, dialer: Dialer) -> None:
    batch = await add_batch(database)
    code, _, err = await cli(dialer, "campaign", "open", "--batch", str(batch), "--as", "kanri")
    assert code == 2
    assert f"batch {batch}: no approved トークスクリプト (script), Q&A集 (qa), 業務マニュアル " \
           "(manual) for hoikuryo" in err
    await approve_documents(database, "hoikuryo", ["script"])
    await approve_documents(database, "*", ["qa"])  # one for every debt type counts too
    async with database.transaction() as conn:  # a manual in draft is not enough
        await documents_db.add_version(conn, "manual", "hoikuryo", "draft", "text", (), "kanri")
    code, _, err = await cli(dialer, "campaign", "open", "--batch", str(batch), "--as", "kanri")
    assert code == 2 and "no approved 業務マニュアル (manual) for hoikuryo" in err, err
    assert "トークスクリプト" not in err and "Q&A" not in err
    async with database.engine.connect() as conn:
        assert not [e for e in await audit.entries(conn) if e.action == "campaign.open"]
    await approve_documents(database, "hoikuryo", ["manual"])
    code, out, err = await cli(dialer, "campaign", "open", "--batch", str(batch), "--as", "kanri")
    assert code == 0 and "opened" in out, err
