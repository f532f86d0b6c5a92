"""The reports' pure rules: definitions as data (every problem listed), the daily figures and
the callback-day wording, per-target rows and the ★/☆ filter, the schedule; the [reports]
configuration and the city's CSV shape."""

from __future__ import annotations

import io
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer import config
from dialer.adapters import report_files, report_lists
from dialer.config import ConfigError
from dialer.config_tables import DEFINITIONS_FILE, default_definitions
from dialer.domain.calendar import DateRange, Period
from dialer.domain.outcomes import Classification
from dialer.domain.reports import definitions
from dialer.domain.reports.daily import (
    CALLBACKS_ONLY,
    DayFacts,
    DayPlan,
    InboundDay,
    TargetCounts,
    batch_in_play,
    daily_report,
)
from dialer.domain.reports.schedule import next_run, parse_daily_at, report_day
from dialer.domain.reports.targets import (
    DayResult,
    DebtLine,
    ListedTarget,
    is_escalation,
    target_row,
)
from dialer.domain.supervision import ResultCount

TOKYO = config.load(None).tz
TABLE = Classification()


# --- definitions -------------------------------------------------------------------------------

def test_the_built_in_definitions_parse_and_name_every_report() -> None:
    defs = default_definitions()
    assert defs.daily_summary.title == "業務日報"
    assert defs.target_results.headers[:4] == ["管理番号", "氏名", "氏名カナ", "電話番号"]
    assert defs.escalation_table().columns == defs.target_results.columns
    assert set(defs.tables) == set(definitions.TABLE_FIELDS)


def test_a_section_given_replaces_only_that_section() -> None:
    data = {"target_results": {"title": "一覧", "file": "x/{date}_{debt_type}",
                               "columns": [{"field": "ref", "header": "番号"}]},
            "tables": {"voices": {"title": "声", "columns": [{"field": "note",
                                                                 "header": "内容"}]}}}
    found, problems = definitions.parse(data, default_definitions())
    assert problems == [] and found is not None
    assert found.target_results.headers == ["番号"]
    assert found.tables["voices"].title == "声"
    assert found.daily_summary == default_definitions().daily_summary
    assert found.tables["days"] == default_definitions().tables["days"]


def test_every_problem_of_a_definitions_file_is_listed() -> None:
    data = {"target_result": {},
            "daily_summary": {"title": "", "file": "../{date}_{when}", "columns": [
                {"field": "calls"}, {"field": "nope", "header": "x"}]},
            "monthly": {"title": "月報", "file": "m/{month}", "tables": ["days", "weather"]},
            "tables": {"days": {"title": "日別", "columns": []}, "moon": {}}}
    found, problems = definitions.parse(data, default_definitions())
    assert found is None
    text = "\n".join(problems)
    for fragment in ("[target_result]: unknown section", "daily_summary.title",
                     "{when}", "'..'", "columns[1]", "unknown field 'nope'",
                     "monthly.tables", "tables.days.columns", "[tables.moon]"):
        assert fragment in text, fragment


def test_file_names_cannot_leave_the_outbox() -> None:
    assert definitions.file_stem("d/{date}_{debt_name}", date="20270112",
                                 debt_name="a/b:c") == "d/20270112_a_b_c"
    for bad in ("/abs/{date}", "a//b", "a/../b", "a:b"):
        assert definitions.pattern_problems(bad, frozenset({"date"})), bad


# --- daily figures -----------------------------------------------------------------------------

def test_a_callback_day_says_there_was_no_calling_with_or_without_callbacks() -> None:
    labels = {"hoikuryo": "保育所等保育料", "kyushoku": "公立保育所等給食費"}
    facts = DayFacts(date(2027, 2, 2), (ResultCount("kyushoku", "in", "101", 2),),
                     inbound=InboundDay(5, 3, 1, 1))
    plans = {"hoikuryo": DayPlan(callbacks=True), "kyushoku": DayPlan(callbacks=True)}
    report = daily_report(facts, TABLE, labels, {"hoikuryo": TargetCounts(10, 1, 6)}, plans)
    hoikuryo, kyushoku = report.rows
    assert hoikuryo.status == kyushoku.status == CALLBACKS_ONLY
    assert hoikuryo.remark.endswith("折返し電話なし")
    assert kyushoku.remark.endswith("折返し電話2件")
    assert len(report.notes) == 2
    assert (report.total.targets, report.total.in_play, report.total.callbacks) == (10, 6, 2)
    assert report.total.inbound_received == 5 and hoikuryo.inbound_received == 0
    assert hoikuryo.as_row()["contact_rate"] is None  # no calls, no rate


def test_the_daily_figures_are_the_boards() -> None:
    rows = (ResultCount("hoikuryo", "out", "101", 3), ResultCount("hoikuryo", "out", "S02", 5),
            ResultCount("hoikuryo", "out", "201", 2, noted_escalations=1),
            ResultCount("hoikuryo", "out", "103", 1), ResultCount("hoikuryo", "in", "104", 1))
    report = daily_report(DayFacts(date(2027, 1, 12), rows, {"hoikuryo": 2}, {"hoikuryo": 3},
                                   3), TABLE, {"hoikuryo": "保育所等保育料"}, {}, {})
    row = report.rows[0]
    assert (row.calls, row.contacts, row.promises, row.escalations, row.callbacks) == \
        (11, 4, 3, 3, 1)
    assert (row.complaints, row.operators, row.status) == (2, 3, "架電実施")
    assert row.escalation_rate == pytest.approx(3 / 5)


def test_a_batch_is_in_play_in_its_months_periods() -> None:
    periods = {"hoikuryo": (Period("2027-01", DateRange(date(2027, 1, 4), date(2027, 1, 29)),
                                   DateRange(date(2027, 1, 4), date(2027, 2, 5))),)}
    assert batch_in_play("hoikuryo", "2027-01", date(2027, 2, 5), periods)
    assert not batch_in_play("hoikuryo", "2027-01", date(2027, 2, 6), periods)
    assert not batch_in_play("hoikuryo", "2027-02", date(2027, 1, 12), periods)
    assert not batch_in_play("kyushoku", "2027-01", date(2027, 1, 12), periods)


# --- per-target rows ---------------------------------------------------------------------------

def _target(**kw: object) -> ListedTarget:
    base = {"id": 1, "batch_id": 1, "debt_type": "hoikuryo", "month": "2027-01", "ref": "A1",
            "name": "札幌　太郎", "kana": None, "source_row": 2}
    return ListedTarget(**(base | kw))  # type: ignore[arg-type]


def _result(code: str, minute: int, **kw: object) -> DayResult:
    at = datetime(2027, 1, 12, 3, minute, 30, 999999, tzinfo=UTC)
    return DayResult("out", code, at, "op1", **kw)  # type: ignore[arg-type]


def test_a_row_carries_the_list_and_the_days_results() -> None:
    target = _target(phones=("0112223333", "09012345678"), attempts_total=4, debts=(
        DebtLine(2026, "第1期", date(2026, 5, 31), 1000),
        DebtLine(2026, "第2期", date(2026, 4, 30), 2500)))
    results = [_result("103", 1, note="分納の相談"), _result("S02", 5),
               _result("106", 9, note="夕方に", complaint=True)]
    row = target_row(target, results, TABLE, TOKYO, "保育所等保育料")
    assert (row["phones"], row["installment"], row["amount"]) == \
        ("0112223333 / 09012345678", "第1期・第2期", 3500)
    assert row["fiscal_year"] == 2026 and row["due_date"] == date(2026, 4, 30)
    assert (row["calls"], row["result_code"], row["result"]) == (3, "106", "再架電の約束")
    assert (row["mark"], row["contact"], row["complaint"], row["escalation"]) == \
        ("★", "○", "○", "○")
    assert row["result_at"] == datetime(2027, 1, 12, 12, 9, 30, tzinfo=TOKYO)
    assert row["note"] == "分納の相談\n夕方に" and row["status"] == "継続"
    assert is_escalation(row)


def test_the_strongest_mark_and_only_marks_make_the_escalation_list() -> None:
    reported = target_row(_target(), [_result("102", 1), _result("105", 2)], TABLE, TOKYO, "")
    assert reported["mark"] == "☆" and is_escalation(reported)
    flagged = target_row(_target(), [_result("201", 1, escalation=True)], TABLE, TOKYO, "")
    assert flagged["escalation"] == "○" and not is_escalation(flagged)
    old = target_row(_target(), [_result("X99", 1)], TABLE, TOKYO, "")
    assert (old["result_code"], old["result"], old["mark"]) == ("X99", "", "")
    quiet = target_row(_target(), [], TABLE, TOKYO, "")
    assert (quiet["calls"], quiet["result_code"], quiet["mark"]) == (0, "", "")


def test_a_targets_status_at_the_end_of_the_day() -> None:
    def status(**kw: object) -> object:
        return target_row(_target(**kw), [], TABLE, TOKYO, "")["status"]

    assert status(exclusions=("paid", "moved"), done=True) == "除外"
    assert target_row(_target(exclusions=("paid", "moved")), [], TABLE, TOKYO, "")[
        "exclusion"] == "納付済・転居"
    assert status(done=True) == "完了"
    assert status(done=True, results_after=True) == "継続"  # finished only later
    assert status() == "継続"


# --- schedule ----------------------------------------------------------------------------------

def test_the_daily_time_must_be_before_the_deadline() -> None:
    assert parse_daily_at("08:00") == time(8, 0)
    assert parse_daily_at(" 7:05 ") == time(7, 5)
    for bad in ("09:30", "12:00", "8", "08:60", "25:00", "eight"):
        with pytest.raises(ValueError):
            parse_daily_at(bad)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31),
                    timezones=st.just(UTC)),
       st.times(max_value=time(9, 29)).map(lambda t: t.replace(second=0, microsecond=0)))
def test_next_run_is_the_next_time_the_clock_reads_it(now: datetime, at: time) -> None:
    fires = next_run(now, at, TOKYO)
    assert fires.astimezone(TOKYO).time() == at
    assert timedelta(0) <= fires - now < timedelta(days=1)
    assert report_day(fires, TOKYO) == fires.astimezone(TOKYO).date() - timedelta(days=1)


def test_a_run_reports_on_the_day_before_in_the_centres_zone() -> None:
    assert report_day(datetime(2027, 1, 12, 23, 30, tzinfo=UTC), TOKYO) == date(2027, 1, 12)
    with pytest.raises(ValueError):
        report_day(datetime(2027, 1, 13, 8, 0), TOKYO)


# --- configuration -----------------------------------------------------------------------------

def test_reports_settings_default_and_refusals(tmp_path: Path) -> None:
    assert config.load(None).reports.daily_at == "08:00"
    path = tmp_path / "dialer.toml"
    path.write_text('[reports]\ndaily_at = "10:00"\ndefinitions = "missing.toml"\nx = 1\n')
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    text = "\n".join(caught.value.problems)
    assert "09:30" in text and "missing.toml" in text and "reports.x" in text
    (tmp_path / "bad.toml").write_text('[target_results]\ntitle = "x"\nfile = "{nope}"\n'
                                       'columns = [{ field = "ref", header = "番号" }]\n')
    path.write_text('[reports]\ndefinitions = "bad.toml"\n')
    with pytest.raises(ConfigError, match="nope"):
        config.load(path)


def test_the_shipped_definitions_file_is_valid_toml_with_comments() -> None:
    text = DEFINITIONS_FILE.read_text(encoding="utf-8")
    assert text.startswith("# 報告書の定義")
    definitions.parse(tomllib.loads(text))


# --- the city's CSV, and text never a formula -------------------------------------------------

def test_csv_cells_and_formula_looking_text(tmp_path: Path) -> None:
    assert report_files.csv_text(0.725) == "72.5%"
    assert report_files.csv_text(date(2027, 1, 2)) == "2027/01/02"
    assert report_files.csv_text(datetime(2027, 1, 2, 3, 4, tzinfo=TOKYO)) == "2027/01/02 03:04"
    assert report_files.csv_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert report_files.csv_text(None) == "" and report_files.csv_text(-5) == "-5"
    staged = report_files.Staged()
    listing = report_lists.ListFile(staged, tmp_path / "x", "一覧", ["a", "b"])
    listing.add(["=1+1", "髙橋\u2460"])
    listing.close()
    files = staged.commit()
    book = openpyxl.load_workbook(files[0])
    assert [c.value for c in book.active[2]] == ["=1+1", "髙橋\u2460"]
    assert book.active["A2"].data_type == "s"
    raw = files[1].read_bytes()
    assert raw == "a,b\r\n'=1+1,髙橋\u2460\r\n".encode("cp932")
    assert io.BytesIO(raw).read().decode("cp932").count("\r\n") == 2


def test_config_show_prints_the_reports_section(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from dialer.cli import main

    path = tmp_path / "dialer.toml"
    path.write_text('[reports]\ndaily_at = "07:30"\n[[seats]]\nname = "seat01"\n'
                    'contact = "sip:seat01@127.0.0.1:5999"\n')
    assert main(["--config", str(path), "config", "show"]) == 0
    out = capsys.readouterr().out
    assert '[reports]\ndaily_at = "07:30"\ndefinitions = ""' in out
    assert '[[seats]]\nname = "seat01"' in out


def test_the_deadline_watch_starts_at_deadline_at() -> None:
    from dialer.domain.reports.schedule import parse_deadline_at, watched_day

    tz = TOKYO
    at = parse_deadline_at("09:00", time(8, 0))
    assert watched_day(datetime(2027, 1, 13, 8, 59, tzinfo=tz), at, tz) is None
    assert watched_day(datetime(2027, 1, 13, 9, 0, tzinfo=tz), at, tz) == date(2027, 1, 12)
    assert watched_day(datetime(2027, 1, 13, 23, 59, tzinfo=tz), at, tz) == date(2027, 1, 12)
    for bad, why in (("09:30", "09:30 deadline"), ("08:00", "not after daily_at"),
                     ("nine", "not HH:MM")):
        with pytest.raises(ValueError, match=why):
            parse_deadline_at(bad, time(8, 0))


def test_deadline_at_is_read_and_checked(tmp_path: Path) -> None:
    from dialer import config
    from dialer.config import ConfigError

    assert config.load(None).reports.deadline_at == "09:00"
    path = tmp_path / "dialer.toml"
    path.write_text('[reports]\ndaily_at = "07:00"\ndeadline_at = "08:30"\n')
    assert config.load(path).reports.deadline_time == time(8, 30)
    path.write_text('[reports]\ndaily_at = "08:00"\ndeadline_at = "07:30"\n')
    with pytest.raises(ConfigError, match="deadline_at: 07:30 is not after daily_at 08:00"):
        config.load(path)
