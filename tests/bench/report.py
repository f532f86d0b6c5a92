"""Print every figure in var/bench/results.json as one table (the last step of `make bench`).

    python -m tests.bench.report [--json FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tests.bench.results import RESULTS, ROOT


def _value(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"


def table(figures: dict[str, object]) -> str:
    """Figures sorted by name, a blank line between benchmarks (the name's first word)."""
    width = max((len(name) for name in figures), default=6)
    lines = [f"{'figure':<{width}}  {'value':>14}", f"{'-' * width}  {'-' * 14}"]
    previous = ""
    for name in sorted(figures):
        group = name.split("_", 1)[0]
        if previous and group != previous:
            lines.append("")
        previous = group
        lines.append(f"{name:<{width}}  {_value(figures[name]):>14}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS)
    path = parser.parse_args().json
    if not path.exists():
        print(f"no figures yet: {path} does not exist (run `make bench`)")
        return
    figures = json.loads(path.read_text())
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"== {len(figures)} figures in {shown}")
    print(table(figures))


if __name__ == "__main__":
    main()
