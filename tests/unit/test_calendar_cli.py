"""`dialer calendar` and the calendar tables of the TOML."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from dialer import config
from dialer.cli import main
from dialer.config import ConfigError
from dialer.domain.calendar import DayKind


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(list(args)) == 0
    data: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return data


def test_january_2027_lists_coming_of_age_day_as_a_holiday(
    capsys: pytest.CaptureFixture[str],
) -> None:
    days = run_json(capsys, "calendar", "--from", "2027-01-01", "--to", "2027-01-31", "--json")
    assert len(days) == 31
    by_date = {d["date"]: d for d in days}
    assert by_date["2027-01-11"] == {
        "date": "2027-01-11", "kind": "holiday", "holiday": "成人の日",
        "windows": [["10:00", "16:00"]], "calling": False, "callback": False,
    }
    assert by_date["2027-01-12"]["kind"] == "weekday"
    assert by_date["2027-01-12"]["windows"] == [["11:30", "13:30"], ["16:30", "20:30"]]
    assert by_date["2027-01-09"]["kind"] == "weekend"
    assert by_date["2027-01-01"]["holiday"] == "元日"


def test_periods_closed_and_open_days_from_the_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dialer.toml"
    path.write_text(
        '[calendar]\nclosed_days = ["2027-01-13"]\nopen_days = { "2027-01-16" = "weekday" }\n'
        '[[periods]]\ndebt_type = "hoikuryo"\nmonth = "2027-01"\n'
        'calling = ["2027-01-12", "2027-01-14"]\ncallback = ["2027-01-12", "2027-01-20"]\n'
    )
    days = run_json(capsys, "--config", str(path), "calendar", "--from", "2027-01-11",
                    "--to", "2027-01-21", "--debt-type", "保育所等保育料", "--json")
    by_date = {d["date"]: d for d in days}
    assert by_date["2027-01-12"]["calling"] is True
    assert by_date["2027-01-13"] == {"date": "2027-01-13", "kind": "closed", "holiday": None,
                                     "windows": [], "calling": True, "callback": True}
    assert by_date["2027-01-15"]["calling"] is False and by_date["2027-01-15"]["callback"]
    assert by_date["2027-01-16"]["kind"] == "weekday"  # a Saturday the city opened
    assert by_date["2027-01-21"]["callback"] is False
    other = run_json(capsys, "--config", str(path), "calendar", "--from", "2027-01-12",
                     "--to", "2027-01-12", "--debt-type", "kyushoku", "--json")
    assert other[0]["calling"] is False  # periods are per debt type


def test_the_plain_listing_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "--from", "2027-01-10", "--to", "2027-01-11"]) == 0
    out = capsys.readouterr().out
    assert "2027-01-11 月  holiday  成人の日" in out


@pytest.mark.parametrize(
    "args",
    [["--from", "2027-01-31", "--to", "2027-01-01"],
     ["--from", "2027-01-01", "--to", "2027-01-31", "--debt-type", "dog-tax"]],
)
def test_bad_requests_are_one_line_errors(args: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dialer: ") and "Traceback" not in err


def test_invalid_calendar_configuration_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[calendar]\nweekday = ["11:30-13:30", "13:00-14:00", "18:00-17:00", "noon"]\n'
        'closed_days = ["2027-13-01"]\nopen_days = { "2027-01-16" = "party" }\nholidays = 1\n'
        '[[periods]]\ndebt_type = "dog_tax"\nmonth = "2027-01"\n'
        'calling = ["2027-01-12", "2027-01-29"]\ncallback = ["2027-01-12", "2027-01-20"]\n'
        '[[periods]]\ndebt_type = "hoikuryo"\nmonth = "2027-02"\n'
    )
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    text = "\n".join(caught.value.problems)
    for fragment in ("overlap", "end is not after start", "'noon' is not HH:MM-HH:MM",
                     "'2027-13-01' is not a date", "open_days", "calendar.holidays: unknown key",
                     "unknown debt type 'dog_tax'", "ends before calling period",
                     "periods[2]: needs debt_type"):
        assert fragment in text, fragment
    assert len(caught.value.problems) >= 9


def test_debt_types_can_be_configured(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('[debt_types]\nsuido = { name = "水道料金", account_transfer = true }\n'
                    'gesui = "下水道使用料"\n')
    settings = config.load(path)
    assert [d.code for d in settings.debt_types] == ["suido", "gesui"]
    assert settings.debt_types[0].account_transfer is True
    path.write_text('[debt_types]\n"Bad Code" = "x"\nok = 3\n')
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert len(caught.value.problems) == 2


def test_24_00_closes_a_window_at_midnight(tmp_path: Path) -> None:
    path = tmp_path / "late.toml"
    path.write_text('[calendar]\nweekend_holiday = ["18:00-24:00"]\n')
    cal = config.calendar(config.load(path))
    assert cal.windows_on(date(2027, 1, 9))[0].end.hour == 23
    assert str(cal.settings.weekend_holiday[0]) == "18:00-24:00"
    assert cal.day_kind(date(2027, 1, 9)) is DayKind.WEEKEND_HOLIDAY


def test_every_holiday_2026_to_2028_uses_the_weekend_holiday_windows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    days = run_json(capsys, "calendar", "--from", "2026-01-01", "--to", "2028-12-31", "--json")
    holidays = {d["date"]: d["holiday"] for d in days if d["kind"] == "holiday"}
    named = {d["date"]: d["holiday"] for d in days if d["holiday"]}
    assert len(named) == 51  # every public holiday of 2026-2028, weekends included
    assert holidays["2026-05-06"] == "憲法記念日 振替休日"  # substitute for Sunday 3 May
    assert holidays["2027-03-22"] == "春分の日 振替休日"  # substitute for Sunday 21 March
    assert holidays["2026-09-22"] == "国民の休日"  # between two holidays
    assert holidays["2028-01-10"] == "成人の日"
    for day in days:
        if day["holiday"]:
            assert day["windows"] == [["10:00", "16:00"]], day
