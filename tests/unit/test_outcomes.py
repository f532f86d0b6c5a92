"""The classification table: defaults, lookups, validation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dialer.domain.dial_outcome import DialOutcome
from dialer.domain.outcomes import (
    DEFAULT_TABLE,
    Classification,
    Mark,
    ResultCode,
    Retry,
    UnknownResultCode,
    validate,
)


def test_the_default_table_is_valid_and_covers_every_system_outcome() -> None:
    assert validate(DEFAULT_TABLE) == []
    table = Classification()
    for outcome in DialOutcome:
        if outcome is not DialOutcome.ANSWERED:
            assert table.for_system(outcome).system
    assert table.abandoned().code == "S05"
    assert all(not c.system for c in table.operator_choices())
    assert {c.mark for c in table.codes} == {Mark.NONE, Mark.ESCALATE, Mark.REPORT}
    assert table.get("101").account_transfer and table.get("101").contact


def test_unknown_codes_are_a_clear_error() -> None:
    with pytest.raises(UnknownResultCode, match="'999'"):
        Classification().get("999")


def test_validation_lists_every_problem() -> None:
    broken = [
        *[c for c in DEFAULT_TABLE if c.code != "S02"],
        DEFAULT_TABLE[5],
        ResultCode("X1", "", retry=Retry.LATER),
        ResultCode("X2", "ends but retries", ends_target=True, retry=Retry.LATER,
                   retry_after_min=5),
        dataclasses.replace(DEFAULT_TABLE[0], code="X3", contact=True),
    ]
    problems = validate(broken)
    assert len(problems) == 6, problems
    assert not validate([c for c in DEFAULT_TABLE if not c.contact]) == []


def test_the_exported_table_loads_back_identically(tmp_path: Path) -> None:
    from dialer import config
    from dialer.config_tables import classification_toml

    folder = tmp_path
    (folder / "classification.toml").write_text(classification_toml(Classification()))
    (folder / "dialer.toml").write_text('[outcomes]\ntable = "classification.toml"\n')
    assert config.load(folder / "dialer.toml").classification == Classification()


def test_a_broken_table_file_is_refused_with_its_problems(tmp_path: Path) -> None:
    from dialer import config
    from dialer.config import ConfigError

    folder = tmp_path
    (folder / "classification.toml").write_text(
        '[[codes]]\ncode = "101"\nlabel = "納付約束"\ncontact = true\nmark = "◎"\n'
        '[[codes]]\nlabel = "no code"\n')
    (folder / "dialer.toml").write_text('[outcomes]\ntable = "classification.toml"\n')
    with pytest.raises(ConfigError) as caught:
        config.load(folder / "dialer.toml")
    text = "\n".join(caught.value.problems)
    assert "'◎' is not a valid Mark" in text
    assert "needs at least code and label" in text
    assert "system code S01 is missing" in text


def test_a_table_without_a_promise_code_is_refused_at_load(tmp_path: Path) -> None:
    from dataclasses import replace

    from dialer import config
    from dialer.config import ConfigError
    from dialer.config_tables import classification_toml

    no_promise = Classification(tuple(replace(c, promise=False) for c in DEFAULT_TABLE))
    (tmp_path / "classification.toml").write_text(classification_toml(no_promise))
    (tmp_path / "dialer.toml").write_text('[outcomes]\ntable = "classification.toml"\n')
    with pytest.raises(ConfigError) as caught:
        config.load(tmp_path / "dialer.toml")
    assert any("no code is a payment promise" in p for p in caught.value.problems)


def test_the_promise_attribute_is_read_from_the_table_file(tmp_path: Path) -> None:
    from dataclasses import replace

    from dialer import config
    from dialer.config_tables import classification_toml

    table = Classification(tuple(replace(c, promise=c.code in {"101", "106"})
                                 for c in DEFAULT_TABLE))
    (tmp_path / "classification.toml").write_text(classification_toml(table))
    (tmp_path / "dialer.toml").write_text('[outcomes]\ntable = "classification.toml"\n')
    loaded = config.load(tmp_path / "dialer.toml").classification
    assert [c.code for c in loaded.codes if loaded.is_promise(c.code)] == ["101", "106"]
    assert not loaded.is_promise("ZZZ")


def test_a_promise_must_be_a_contact() -> None:
    from dataclasses import replace

    table = [replace(c, contact=False) if c.code == "101" else c for c in DEFAULT_TABLE]
    assert "101: a payment promise must be a contact (contact = true)" in validate(table)
