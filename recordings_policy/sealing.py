"""Recordings at rest (pure: bytes in, bytes out): AES-256-GCM, in chunks so a recording is
encrypted and decrypted without holding two copies.

A sealed file::

    header = MAGIC (8) | key id (8) | nonce prefix (8) | chunk size (4, big-endian)
    then, per chunk: length (4, big-endian) | AES-GCM ciphertext with its 16-byte tag

Chunk ``i`` is sealed with the nonce ``prefix | i`` (4 bytes, big-endian) and the associated
data ``header | file id | i | final``: a chunk moved, dropped, swapped with another file's, a file
renamed to another id or cut short at a chunk boundary does not decrypt. The key id (a hash of
the key, never the key) tells a wrong key apart from a damaged file. The nonce prefix is random
per file (the caller draws it), the counter unique per chunk.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SDRREC\x00\x01"
KEY_BYTES = 32
PREFIX_BYTES = 8
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
HEADER = struct.Struct(">8s8s8sI")
LENGTH = struct.Struct(">I")
MAX_CHUNK_BYTES = 4 * 1024 * 1024


class SealError(ValueError):
    """The data cannot be sealed or opened; the message says why."""


def key_id(key: bytes) -> bytes:
    """8 bytes naming the key (a one-way hash: it reveals nothing of the key)."""
    _check_key(key)
    return hashlib.sha256(b"sapporo-dialer recordings key id\x00" + key).digest()[:8]


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise SealError(f"the key must be {KEY_BYTES} bytes")


def _aad(header: bytes, file_id: str, index: int, final: bool) -> bytes:
    return header + file_id.encode("ascii") + LENGTH.pack(index) + (b"\x01" if final else b"\x00")


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + LENGTH.pack(index)


def _pieces(data: Iterable[bytes], size: int) -> Iterator[bytes]:
    """``data`` re-cut into pieces of ``size`` bytes (the last one shorter, possibly empty)."""
    buffer = bytearray()
    for block in data:
        buffer += block
        while len(buffer) > size:
            yield bytes(buffer[:size])
            del buffer[:size]
    yield bytes(buffer)


def seal(data: Iterable[bytes], key: bytes, file_id: str, prefix: bytes,
         chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The sealed file, piece by piece: the header, then each framed chunk."""
    _check_key(key)
    if len(prefix) != PREFIX_BYTES:
        raise SealError(f"the nonce prefix must be {PREFIX_BYTES} bytes")
    if not 1 <= chunk_bytes <= MAX_CHUNK_BYTES:
        raise SealError("chunk size out of range")
    header = HEADER.pack(MAGIC, key_id(key), prefix, chunk_bytes)
    yield header
    aes = AESGCM(key)
    pieces = _pieces(data, chunk_bytes)
    current = next(pieces)
    index = 0
    for following in pieces:
        yield _frame(aes.encrypt(_nonce(prefix, index), current,
                                 _aad(header, file_id, index, False)))
        current, index = following, index + 1
        if index >= 2**32 - 1:
            raise SealError("too many chunks")
    yield _frame(aes.encrypt(_nonce(prefix, index), current, _aad(header, file_id, index, True)))


def _frame(sealed: bytes) -> bytes:
    return LENGTH.pack(len(sealed)) + sealed


def _exactly(read: Callable[[int], bytes], size: int) -> bytes:
    data = read(size)
    if len(data) != size:
        raise SealError("the file is cut short")
    return data


def _length(read: Callable[[int], bytes], limit: int) -> int | None:
    """The next chunk's length, or None at the end of the file."""
    raw = read(LENGTH.size)
    if not raw:
        return None
    if len(raw) != LENGTH.size:
        raise SealError("the file is cut short")
    (length,) = LENGTH.unpack(raw)
    if not TAG_BYTES <= length <= limit + TAG_BYTES:
        raise SealError("a chunk has an impossible length: not a sealed recording")
    return int(length)


def read_header(read: Callable[[int], bytes]) -> tuple[bytes, bytes, bytes, int]:
    """(header bytes, key id, nonce prefix, chunk size) of a sealed file."""
    header = read(HEADER.size)
    if len(header) != HEADER.size:
        raise SealError("not a sealed recording (too short)")
    magic, kid, prefix, chunk_bytes = HEADER.unpack(header)
    if magic != MAGIC:
        raise SealError("not a sealed recording")
    if not 1 <= chunk_bytes <= MAX_CHUNK_BYTES:
        raise SealError("not a sealed recording (chunk size)")
    return header, kid, prefix, chunk_bytes


def unseal(read: Callable[[int], bytes], key: bytes, file_id: str) -> Iterator[bytes]:
    """The plain data of a sealed file read through ``read(n)``, chunk by chunk; raises
    SealError for a wrong key, another file's id, or any change to the file."""
    header, kid, prefix, chunk_bytes = read_header(read)
    if kid != key_id(key):
        raise SealError("sealed with another key")
    aes = AESGCM(key)
    length = _length(read, chunk_bytes)
    if length is None:
        raise SealError("the file is cut short")
    index = 0
    while True:
        body = _exactly(read, length)
        following = _length(read, chunk_bytes)
        final = following is None
        try:
            yield aes.decrypt(_nonce(prefix, index), body, _aad(header, file_id, index, final))
        except InvalidTag:
            raise SealError("the recording does not decrypt: damaged, cut or renamed") from None
        if following is None:
            return
        length, index = following, index + 1
