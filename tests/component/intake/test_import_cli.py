"""The commands as an operator of the data server types them (`dialer import …`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dialer.adapters.db import migrate
from tests.component.conftest import Dialer
from tests.component.intake.files import BAD_ROWS, GOOD_ROWS, write_csv


def test_import_prints_the_json_summary(dialer: Dialer, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS)
    code, out, _ = dialer("import", "--debt-type", "保育所等保育料", "--month", "2027-01",
                          str(path), "--json")
    summary = json.loads(out)
    assert code == 0
    assert {k: summary[k] for k in ("imported", "rejected", "batch", "targets")} == {
        "imported": 4, "rejected": 3, "batch": 1, "targets": 3}
    assert Path(summary["errors_file"]).parent == tmp_path / "data" / "intake-errors"


def test_a_refused_file_exits_1_with_the_reason(dialer: Dialer, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS + BAD_ROWS)
    code, out, err = dialer("import", "--debt-type", "hoikuryo", "--month", "2027-01", str(path),
                            "--strict", "--json")
    assert code == 1
    assert json.loads(out)["batch"] is None and json.loads(out)["rejected"] == 3
    assert "refused: --strict and 3 bad rows" in err
    code, out, _ = dialer("batch", "list", "--json")
    assert (code, json.loads(out)) == (0, [])


def test_wrong_requests_exit_2(dialer: Dialer, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS)
    code, _, err = dialer("import", "--debt-type", "nope", "--month", "2027-01", str(path))
    assert code == 2 and "unknown debt type 'nope'" in err
    code, _, err = dialer("calllist", "export", "--batch", "1")
    assert code == 2 and "--as LOGIN" in err


def test_a_whole_month_from_the_command_line(dialer: Dialer, tmp_path: Path) -> None:
    assert dialer("user", "add", "kanri", "--name", "管理者", "--role", "manager")[0] == 0
    assert dialer("user", "add", "op1", "--name", "オペ", "--skill", "保育所等保育料")[0] == 0
    path = write_csv(tmp_path / "list.csv", GOOD_ROWS)
    assert dialer("import", "--debt-type", "hoikuryo", "--month", "2027-01", str(path),
                  "--as", "kanri")[0] == 0
    stop = tmp_path / "stop.csv"
    stop.write_bytes("管理番号,除外理由\r\nA002,納付済\r\n".encode("cp932"))
    code, out, _ = dialer("exclude", "--batch", "1", str(stop), "--json")
    assert (code, json.loads(out)["excluded"]) == (0, 1)
    code, out, _ = dialer("calllist", "assign", "--batch", "1", "--strategy", "skill", "--as",
                          "kanri", "--json")
    assert (code, json.loads(out)) == (0, {"op1": 2})
    code, out, _ = dialer("calllist", "show", "--batch", "1", "--json")
    shown = json.loads(out)
    assert [(r["ref"], r["phones"]) for r in shown] == [
        ("A003", ["090-****-3333", "080-****-5555"]), ("A001", ["011-***-3333", "090-****-5678"])]
    code, out, _ = dialer("calllist", "export", "--batch", "1", "--as", "kanri", "--format", "csv")
    assert code == 0 and out.strip().endswith(".csv") and os.path.exists(out.strip())
    code, out, _ = dialer("batch", "show", "1", "--json")
    assert [(e["ref"], e["reason"]) for e in json.loads(out)["exclusions"]] == [("A002", "paid")]
    code, out, _ = dialer("batch", "delete", "1", "--as", "kanri", "--json")
    assert (code, json.loads(out)) == (0, {"batch": 1, "targets_deleted": 3})


def test_db_upgrade_reports_the_revision(dialer: Dialer) -> None:
    code, out, _ = dialer("db", "upgrade", "--json")
    assert (code, json.loads(out)) == (0, {"revision": migrate.head()})
    assert migrate.head() == "0015"
