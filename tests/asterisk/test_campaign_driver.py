"""End to end on the sandbox: a CP932 file imported into a real SQLite database, dialed by the
service with autopilot operators and simulated residents, every outcome recorded."""

from __future__ import annotations

from pathlib import Path

from dialer import config
from dialer.adapters.db.engine import Database
from dialer.adapters.db.migrate import upgrade_database
from dialer.commands.campaign import drive
from dialer.services.intake.importer import ImportRequest, import_file
from tests.component.intake.files import write_csv

SITE = """
[database]
url = "sqlite+aiosqlite:///centre.sqlite3"

[[periods]]
debt_type = "hoikuryo"
month = "2027-01"
calling = ["2027-01-04", "2027-01-29"]
callback = ["2027-01-04", "2027-02-05"]
"""
# Last digit picks the simulated resident: 1 busy, 2 rings out, 3 number not in service,
# 4 answers and talks 2 s.
ROWS = [
    ["K001", "一　郎", "", "011-222-0001", "", "R5", "1", "R5.4.30", "1000"],
    ["K002", "二　郎", "", "011-222-0002", "", "R5", "1", "R5.4.30", "1000"],
    ["K003", "三　郎", "", "011-222-0003", "090-2222-0004", "R5", "1", "R5.4.30", "1000"],
    ["K004", "四　郎", "", "011-222-0004", "", "R5", "1", "R5.4.30", "1000"],
]


async def test_an_imported_batch_is_dialed_and_every_outcome_recorded(tmp_path: Path) -> None:
    (tmp_path / "dialer.toml").write_text(SITE)
    settings = config.load(tmp_path / "dialer.toml")
    database = Database(settings)
    await upgrade_database(database)
    path = write_csv(tmp_path / "hoikuryo-2027-01.csv", ROWS)
    batch = (await import_file(database, settings, ImportRequest(path, "hoikuryo", "2027-01")))
    await database.close()

    counts = await drive(settings, tmp_path / "sandbox", batch.batch, operators=2,
                         at="2027-01-12 12:00", minutes=1.0, ring_timeout_s=3)
    system = {code: n for code, n in counts.items() if code.startswith("S")}
    assert system == {"S01": 1, "S02": 1, "S03": 1}
    talked = sum(n for code, n in counts.items() if code and not code.startswith("S"))
    assert talked == 2  # K003 on its second number, and K004
    assert "" not in counts  # nothing left open
