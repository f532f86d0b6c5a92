"""Which column of a city file holds which field: a default mapping and a TOML override.

Headers are compared in NFKC form with every space removed, so ``電話番号``, ``電話 番号`` and
full-/half-width variants match. Columns the mapping does not name are ignored.

Required: 管理番号, 氏名 and at least one phone column. ``required`` names further headers a debt
type's files must carry — its signature: a file without them is refused as probably another debt
type's file. A field may have several aliases; a file with two columns for one field is refused as
ambiguous. Every column matching a phone alias is a phone column, ordered as the aliases are.

The override (``dialer import --mapping FILE``)::

    [default]                 # replaces the built-in aliases of the fields it names
    ref = ["管理番号", "整理番号"]

    [jugyoryo]                # one debt type (code or Japanese name), applied after [default]
    name = "生徒氏名"
    required = ["学校名"]
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialer.domain.debt_types import DebtType

FIELDS = ("ref", "name", "kana", "phones", "fiscal_year", "installment", "due_date", "amount",
          "debt_type", "required")
OPTIONAL_SINGLE = ("kana", "fiscal_year", "installment", "due_date", "amount", "debt_type")


@dataclass(frozen=True)
class ColumnMapping:
    ref: tuple[str, ...] = ("管理番号",)
    name: tuple[str, ...] = ("氏名",)
    kana: tuple[str, ...] = ("氏名カナ", "カナ氏名", "フリガナ")
    phones: tuple[str, ...] = ("電話番号", "電話番号1", "電話番号2", "電話番号3", "携帯電話番号",
                               "携帯電話番号1", "携帯電話番号2", "携帯番号")
    fiscal_year: tuple[str, ...] = ("年度",)
    installment: tuple[str, ...] = ("期別",)
    due_date: tuple[str, ...] = ("納期限",)
    amount: tuple[str, ...] = ("金額", "滞納額", "未納額")
    debt_type: tuple[str, ...] = ("債権種別", "債権名", "債権区分")
    required: tuple[str, ...] = ()


DEFAULT_MAPPING = ColumnMapping()


@dataclass(frozen=True)
class Columns:
    """A mapping resolved against one file's header row: field -> column index."""

    headers: tuple[str, ...]
    ref: int
    name: int
    phones: tuple[int, ...]
    kana: int | None = None
    fiscal_year: int | None = None
    installment: int | None = None
    due_date: int | None = None
    amount: int | None = None
    debt_type: int | None = None


class HeaderProblem(ValueError):
    """The header row does not fit the mapping; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[HeaderProblem], tuple[list[str]]]:
        return type(self), (self.problems,)  # crosses the import's process boundary intact


class MappingError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid column mapping: " + "; ".join(problems))
        self.problems = problems


def header_key(header: str) -> str:
    return "".join(unicodedata.normalize("NFKC", header).split())


def resolve(header: Sequence[str], mapping: ColumnMapping = DEFAULT_MAPPING) -> Columns:
    """Find each field's column in ``header`` or raise ``HeaderProblem``."""
    keys = [header_key(h) for h in header]
    problems: list[str] = []
    found: dict[str, int | None] = {
        f: _single(keys, header, f, getattr(mapping, f), problems) for f in OPTIONAL_SINGLE
    }
    ref = _single(keys, header, "ref", mapping.ref, problems)
    name = _single(keys, header, "name", mapping.name, problems)
    phones = _phones(keys, mapping.phones)
    for label, index in ((mapping.ref, ref), (mapping.name, name)):
        if index is None and not _ambiguous(keys, label):
            problems.append(f"missing column {' / '.join(label)}")
    if not phones:
        problems.append(f"missing column: one of {' / '.join(mapping.phones)}")
    problems.extend(f"missing column {r} (required for this debt type: a file of another "
                    "debt type?)" for r in mapping.required if header_key(r) not in keys)
    if problems or ref is None or name is None:
        raise HeaderProblem(problems)
    return Columns(headers=tuple(header), ref=ref, name=name, phones=phones, **found)


def _single(keys: list[str], header: Sequence[str], field: str, aliases: tuple[str, ...],
            problems: list[str]) -> int | None:
    wanted = {header_key(a) for a in aliases}
    hits = [i for i, k in enumerate(keys) if k in wanted]
    if len(hits) > 1:
        names = ", ".join(header[i] for i in hits)
        problems.append(f"ambiguous: {len(hits)} columns for {field} ({names})")
        return None
    return hits[0] if hits else None


def _ambiguous(keys: list[str], aliases: tuple[str, ...]) -> bool:
    wanted = {header_key(a) for a in aliases}
    return sum(k in wanted for k in keys) > 1


def _phones(keys: list[str], aliases: tuple[str, ...]) -> tuple[int, ...]:
    ordered: list[int] = []
    for alias in aliases:
        key = header_key(alias)
        ordered.extend(i for i, k in enumerate(keys) if k == key and i not in ordered)
    return tuple(ordered)


def from_toml(data: Mapping[str, Any], debt_type: DebtType,
              known: Sequence[DebtType]) -> ColumnMapping:
    """The mapping for ``debt_type``: built-in default <- ``[default]`` <- its own table."""
    problems: list[str] = []
    tables: dict[str, Mapping[str, Any]] = {}
    for key, table in data.items():
        target = key if key == "default" else _debt_type_code(key, known)
        if target is None:
            problems.append(f"[{key}]: not 'default' nor a debt type code or name")
        elif not isinstance(table, Mapping):
            problems.append(f"[{key}]: must be a table")
        else:
            tables[target] = table
    mapping = DEFAULT_MAPPING
    for key in ("default", debt_type.code):
        mapping = _apply(mapping, key, tables.get(key, {}), problems)
    if problems:
        raise MappingError(problems)
    return mapping


def _debt_type_code(key: str, known: Sequence[DebtType]) -> str | None:
    return next((d.code for d in known if key.strip() in (d.code, d.name)), None)


def _apply(mapping: ColumnMapping, where: str, table: Mapping[str, Any],
           problems: list[str]) -> ColumnMapping:
    changes: dict[str, tuple[str, ...]] = {}
    for field, value in table.items():
        if field not in FIELDS:
            problems.append(f"{where}.{field}: unknown field (known: {', '.join(FIELDS)})")
            continue
        aliases = (value,) if isinstance(value, str) else value
        if not isinstance(aliases, list | tuple) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ) or (not aliases and field != "required"):
            problems.append(f"{where}.{field}: a header name or a list of header names")
            continue
        changes[field] = tuple(a.strip() for a in aliases)
    return dataclasses.replace(mapping, **changes)
