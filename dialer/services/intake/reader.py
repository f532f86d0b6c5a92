"""Reading and validating a loaned-data file chunk by chunk, beside the database writes.

Validation and the database writes are both Python work, and Python threads share one core
(the GIL). So a file larger than ``PROCESS_THRESHOLD`` bytes is read and validated in a child
process (``python -m dialer.services.intake.reader``, one per import, fed the request on stdin,
answering length-prefixed pickled frames on stdout): the two halves then run on two cores, which
is what keeps a 100,000-row import above 50,000 rows/s. A smaller file is read in a worker thread
(no start-up cost). Either way the event loop stays free and memory stays flat: the pipe holds at
most a chunk or two of rows.

Chunks are lists of flat named tuples, cheap to pickle; ``TableError``, ``HeaderProblem`` and
``WrongDebtType`` cross the process boundary as themselves. Only our own child writes the frames
this process unpickles.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from dialer.adapters import tabular
from dialer.adapters.tabular import TableError
from dialer.domain.debt_types import DebtType
from dialer.domain.intake import mapping
from dialer.domain.intake.debt_check import WrongDebtType
from dialer.domain.intake.mapping import ColumnMapping, Columns, HeaderProblem
from dialer.domain.intake.rows import RowError, RowValidator, TargetRow

CHUNK_ROWS = 2000
PROCESS_THRESHOLD = 2 * 1024 * 1024
Chunk = tuple[list[TargetRow], list[list[RowError]], float]


@dataclass(frozen=True)
class ReadSpec:
    path: Path
    encoding: str | None
    mapping: ColumnMapping
    debt_type: DebtType
    known: tuple[DebtType, ...]


class _Reader:
    """Opens the file, resolves its header, then hands out validated chunks."""

    def __init__(self, spec: ReadSpec) -> None:
        self._stack = ExitStack()
        try:
            table = self._stack.enter_context(tabular.open_table(spec.path, spec.encoding))
            self._rows = data_rows(table.rows())
            self.columns = mapping.resolve(header_of(self._rows), spec.mapping)
        except BaseException:
            self._stack.close()
            raise
        self._table = table
        self.encoding = table.encoding
        self._validator = RowValidator(self.columns, spec.debt_type, spec.known)

    def next(self) -> Chunk | None:
        good: list[TargetRow] = []
        bad: list[list[RowError]] = []
        for number, cells in islice(self._rows, CHUNK_ROWS):
            checked = self._validator(number, cells)
            if isinstance(checked, TargetRow):
                good.append(checked)
            else:
                bad.append(checked)
        return (good, bad, self._table.progress()) if good or bad else None

    def close(self) -> None:
        self._stack.close()


def data_rows(rows: tabular.Rows) -> tabular.Rows:
    """Rows with at least one non-blank cell (blank lines and ``,,,`` rows are skipped)."""
    return ((n, cells) for n, cells in rows if "".join(cells).strip())


def header_of(rows: tabular.Rows) -> list[str]:
    first = next(rows, None)
    if first is None:
        raise HeaderProblem(["the file is empty"])
    return first[1]


class ReaderFailed(RuntimeError):
    """The child process died without saying why (its traceback went to stderr)."""


class ChunkReader:
    """The async face of a ``_Reader`` living in a worker thread or a child process."""

    def __init__(self, columns: Columns, encoding: str, reader: _Reader | None = None,
                 child: asyncio.subprocess.Process | None = None) -> None:
        self.columns, self.encoding = columns, encoding
        self._reader, self._child = reader, child

    @classmethod
    async def open(cls, spec: ReadSpec, *, process: bool | None = None) -> ChunkReader:
        """``process``: None decides by file size."""
        if process is None:
            process = spec.path.stat().st_size > PROCESS_THRESHOLD
        if not process:
            reader = await asyncio.to_thread(_Reader, spec)
            return cls(reader.columns, reader.encoding, reader=reader)
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", __name__, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        try:
            assert child.stdin is not None
            child.stdin.write(pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL))
            await child.stdin.drain()
            child.stdin.close()
            columns, encoding = await _receive(child)
        except BaseException:
            await _stop(child)
            raise
        return cls(columns, encoding, child=child)

    async def next(self) -> Chunk | None:
        if self._reader is not None:
            return await asyncio.to_thread(self._reader.next)
        assert self._child is not None
        chunk: Chunk | None = await _receive(self._child)
        return chunk

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._child is not None:
            await _stop(self._child)


def _frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack(">I", len(data)) + data


async def _receive(child: asyncio.subprocess.Process) -> Any:
    assert child.stdout is not None
    try:
        size = struct.unpack(">I", await child.stdout.readexactly(4))[0]
        kind, payload = pickle.loads(await child.stdout.readexactly(size))  # noqa: S301
    except asyncio.IncompleteReadError:
        raise ReaderFailed(f"the intake reader process failed ({await child.wait()})") from None
    if kind == "error":
        raise payload
    return payload


async def _stop(child: asyncio.subprocess.Process) -> None:
    if child.returncode is None:
        child.kill()
    await child.wait()


def _send(out: BinaryIO, kind: str, payload: Any) -> None:
    out.write(_frame((kind, payload)))
    out.flush()


def _serve() -> None:
    """The child: read the spec from stdin, answer the header, then every chunk, then None."""
    out = sys.stdout.buffer
    spec = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by our parent process
    try:
        reader = _Reader(spec)
    except (TableError, HeaderProblem, WrongDebtType) as exc:
        _send(out, "error", exc)
        return
    try:
        _send(out, "header", (reader.columns, reader.encoding))
        while (chunk := reader.next()) is not None:
            _send(out, "chunk", chunk)
        _send(out, "chunk", None)
    except (TableError, HeaderProblem, WrongDebtType) as exc:
        _send(out, "error", exc)
    except BrokenPipeError:
        pass  # the parent stopped reading (refused or cancelled): nothing left to do
    finally:
        reader.close()


if __name__ == "__main__":
    _serve()
