"""Recordings at rest (pure: bytes in, bytes out): AES-256-GCM, in chunks so a recording is
encrypted and decrypted without holding two copies; and the per-recording data keys, wrapped.

A sealed file::

    header = MAGIC (8) | key id (8) | nonce prefix (8) | chunk size (4, big-endian)
    then, per chunk: length (4, big-endian) | AES-GCM ciphertext with its 16-byte tag

Chunk ``i`` is sealed with the nonce ``prefix | i`` (4 bytes, big-endian) and the associated
data ``header | file id | i | final``: a chunk moved, dropped, swapped with another file's, a file
renamed to another id or cut short at a chunk boundary does not decrypt. The key id (a hash of
the key, never the key) tells a wrong key apart from a damaged file. The nonce prefix is random
per file (the caller draws it), the counter unique per chunk.

The last byte of MAGIC is the format's version: ``MAGIC`` (1) is sealed with a long-lived key
itself (backups; emergency recordings sealed before per-recording keys, still readable);
``MAGIC_DATA_KEY`` (2) is an emergency recording sealed with a data key of its own, drawn for
that recording alone and kept only wrapped (:func:`wrap`) under the recordings key::

    wrapped = WRAP_VERSION (1) | recordings key id (8) | nonce (12) | AES-GCM(data key) + tag (16)

with the associated data ``WRAP_LABEL | version | key id | file id``: a wrapped key given to
another recording, or changed by one bit, does not unwrap. Destroying the wrapped key destroys
the recording, wherever copies of its sealed file went.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SDRREC\x00\x01"
MAGIC_DATA_KEY = b"SDRREC\x00\x02"
MAGICS = (MAGIC, MAGIC_DATA_KEY)
KEY_BYTES = 32
PREFIX_BYTES = 8
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
HEADER = struct.Struct(">8s8s8sI")
LENGTH = struct.Struct(">I")
MAX_CHUNK_BYTES = 4 * 1024 * 1024
WRAP_VERSION = b"\x01"
WRAP_NONCE_BYTES = 12
WRAP_LABEL = b"sapporo-dialer recording data key\x00"
WRAPPED_BYTES = 1 + 8 + WRAP_NONCE_BYTES + KEY_BYTES + TAG_BYTES


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
         chunk_bytes: int = CHUNK_BYTES, magic: bytes = MAGIC) -> Iterator[bytes]:
    """The sealed file, piece by piece: the header, then each framed chunk. ``magic`` says
    which kind of key seals it (``MAGIC_DATA_KEY``: a recording's own data key)."""
    _check_key(key)
    if magic not in MAGICS:
        raise SealError("unknown format")
    if len(prefix) != PREFIX_BYTES:
        raise SealError(f"the nonce prefix must be {PREFIX_BYTES} bytes")
    if not 1 <= chunk_bytes <= MAX_CHUNK_BYTES:
        raise SealError("chunk size out of range")
    header = HEADER.pack(magic, key_id(key), prefix, chunk_bytes)
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


def magic_of(head: bytes) -> bytes:
    """The format (``MAGIC`` or ``MAGIC_DATA_KEY``) of a sealed file beginning with ``head``."""
    magic = head[:len(MAGIC)]
    if magic not in MAGICS:
        raise SealError("not a sealed recording")
    return magic


def read_header(read: Callable[[int], bytes], expected: bytes = MAGIC
                ) -> tuple[bytes, bytes, bytes, int]:
    """(header bytes, key id, nonce prefix, chunk size) of a sealed file of the format
    ``expected``."""
    header = read(HEADER.size)
    if len(header) != HEADER.size:
        raise SealError("not a sealed recording (too short)")
    magic, kid, prefix, chunk_bytes = HEADER.unpack(header)
    if magic_of(magic) != expected:
        raise SealError("sealed in another format" if expected == MAGIC
                        else "sealed in the old format, with no data key of its own")
    if not 1 <= chunk_bytes <= MAX_CHUNK_BYTES:
        raise SealError("not a sealed recording (chunk size)")
    return header, kid, prefix, chunk_bytes


def unseal(read: Callable[[int], bytes], key: bytes, file_id: str,
           magic: bytes = MAGIC) -> Iterator[bytes]:
    """The plain data of a sealed file of the format ``magic`` read through ``read(n)``, chunk
    by chunk; raises SealError for a wrong key, another file's id, or any change to the file."""
    header, kid, prefix, chunk_bytes = read_header(read, magic)
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


# --- data keys ----------------------------------------------------------------------------------

def _wrap_aad(kid: bytes, file_id: str) -> bytes:
    return WRAP_LABEL + WRAP_VERSION + kid + file_id.encode("ascii")


def wrap(kek: bytes, data_key: bytes, file_id: str, nonce: bytes) -> bytes:
    """``data_key`` encrypted under the recordings key ``kek`` for the recording ``file_id``
    (``nonce``: 12 random bytes the caller draws)."""
    _check_key(kek)
    _check_key(data_key)
    if len(nonce) != WRAP_NONCE_BYTES:
        raise SealError(f"the wrapping nonce must be {WRAP_NONCE_BYTES} bytes")
    kid = key_id(kek)
    return (WRAP_VERSION + kid + nonce
            + AESGCM(kek).encrypt(nonce, data_key, _wrap_aad(kid, file_id)))


def unwrap(kek: bytes, wrapped: bytes, file_id: str) -> bytes:
    """The data key of the recording ``file_id``; SealError if it was destroyed, is wrapped
    under another recordings key, or was changed or belongs to another recording."""
    _check_key(kek)
    if not wrapped:
        raise SealError("the recording's key was destroyed: the recording cannot be opened")
    if len(wrapped) != WRAPPED_BYTES or wrapped[:1] != WRAP_VERSION:
        raise SealError("the recording's key is not a wrapped key (damaged)")
    kid, nonce, body = wrapped[1:9], wrapped[9:9 + WRAP_NONCE_BYTES], wrapped[9 + WRAP_NONCE_BYTES:]
    if kid != key_id(kek):
        raise SealError("the recording's key is wrapped under another recordings key")
    try:
        return AESGCM(kek).decrypt(nonce, body, _wrap_aad(kid, file_id))
    except InvalidTag:
        raise SealError("the recording's key does not unwrap: damaged, or another "
                        "recording's") from None
