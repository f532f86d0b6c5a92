"""Audio files for Asterisk: the only module that imports pydub.

Asterisk's ``format_wav`` plays custom prompts only as 8 kHz, mono, 16-bit PCM WAV (a 44.1 kHz
stereo file fails with "Not in mono"). :func:`convert` turns anything pydub can read into that:
WAV natively, MP3 and the rest through ffmpeg. When ffmpeg is installed it also does the
resampling, because its resampler filters out what lies above 4 kHz; pydub's own (``audioop``)
folds it back into the speech band as a whistle. Without ffmpeg, WAV input is still converted
with pydub alone.

Every refusal is an :class:`AudioError` whose message is one line, fit for a command line.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():  # "couldn't find ffmpeg" and audioop's deprecation, at import
    warnings.simplefilter("ignore")
    from pydub import AudioSegment  # type: ignore[import-untyped]
    from pydub.exceptions import CouldntDecodeError  # type: ignore[import-untyped]
    from pydub.generators import Sine  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

RATE_HZ = 8000
CHANNELS = 1
SAMPLE_WIDTH = 2
MIN_MS = 500
MAX_MS = 10 * 60 * 1000
MAX_FILE_BYTES = 256 * 1024 * 1024
SILENCE_PEAK_DBFS = -50.0  # a file whose loudest sample stays below this is "silent"
ESPEAK_TIMEOUT_S = 30
CHIME_HZ = 330
CHIME_PAUSES_MS = (400, 2000, 400, 2000, 3000)  # after each strike: two, two, one
_DECODE_ERRORS = (CouldntDecodeError, IndexError, KeyError, ValueError, EOFError, OSError)


class AudioError(Exception):
    """The audio cannot become a message; the text says why, in one line."""


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    frame_rate: int
    channels: int
    sample_width: int


def convert(source: Path, target: Path) -> AudioInfo:
    """Write ``source`` to ``target`` as 8 kHz mono 16-bit WAV, or refuse with AudioError."""
    _check_file(source)
    segment = _decode(source)
    if len(segment) == 0:
        raise AudioError("the file contains no audio")
    if len(segment) > MAX_MS:
        raise AudioError(f"longer than {MAX_MS // 60000} minutes; a message must be shorter")
    return _write_checked(_for_asterisk(segment), target)


def placeholder(reading: str, target: Path, tones: Sequence[int]) -> tuple[AudioInfo, str]:
    """A stand-in message: ``reading`` spoken by espeak-ng (Japanese), else a tone sequence.

    Returns the written file's format and how it was made ("espeak-ng" or "tones").
    """
    if shutil.which("espeak-ng"):
        with tempfile.TemporaryDirectory(prefix="dialer-tts-") as tmp:
            spoken = Path(tmp) / "spoken.wav"
            if _speak(reading, spoken):
                return convert(spoken, target), "espeak-ng"
    return _write_checked(_for_asterisk(_tone_sequence(tones)), target), "tones"


def chime(target: Path) -> AudioInfo:
    """Stand-in hold audio: a soft 330 Hz chime struck two, two and one times, with pauses
    (about 16 s, looped by Asterisk; no speech, so it never sounds like a message)."""
    pattern = AudioSegment.silent(duration=0, frame_rate=RATE_HZ)
    for pause_ms in CHIME_PAUSES_MS:
        pattern += _strike() + AudioSegment.silent(duration=pause_ms, frame_rate=RATE_HZ)
    return _write_checked(_for_asterisk(pattern), target)


def _strike() -> AudioSegment:
    """One chime: a quick attack and a long fade, quiet (-20 dBFS)."""
    tone = Sine(CHIME_HZ, sample_rate=RATE_HZ).to_audio_segment(duration=1600, volume=-20)
    return tone.fade_in(15).fade_out(1500)


def _check_file(source: Path) -> None:
    if not source.is_file():
        raise AudioError(f"{source}: no such file")
    size = source.stat().st_size
    if size == 0:
        raise AudioError("the file is empty")
    if size > MAX_FILE_BYTES:
        raise AudioError(f"the file is too large ({size // 2**20} MiB; at most "
                         f"{MAX_FILE_BYTES // 2**20} MiB)")


def _decode(source: Path) -> AudioSegment:
    try:
        return AudioSegment(data=source.read_bytes())  # PCM WAV, read by pydub itself
    except _DECODE_ERRORS:
        pass
    if not _ffmpeg():
        raise AudioError("not a PCM WAV file, and ffmpeg (Debian package ffmpeg) is not "
                         "installed to read other formats")
    try:
        # Decode a little more than the limit only, so a three-hour file costs no memory.
        return AudioSegment.from_file(str(source), duration=MAX_MS // 1000 + 1)
    except _DECODE_ERRORS:
        raise AudioError("not an audio file that can be read (corrupt or unknown format)"
                         ) from None


def _for_asterisk(segment: AudioSegment) -> AudioSegment:
    """8 kHz mono 16-bit; resampled by ffmpeg when it is there (it filters, audioop aliases)."""
    if (segment.frame_rate, segment.channels, segment.sample_width) == (
            RATE_HZ, CHANNELS, SAMPLE_WIDTH):
        return segment
    if not _ffmpeg():
        return segment.set_channels(CHANNELS).set_sample_width(SAMPLE_WIDTH).set_frame_rate(
            RATE_HZ)
    out = io.BytesIO()
    segment.export(out, format="wav", parameters=[
        "-ar", str(RATE_HZ), "-ac", str(CHANNELS), "-acodec", "pcm_s16le"])
    return AudioSegment(data=out.getvalue())


def _write_checked(segment: AudioSegment, target: Path) -> AudioInfo:
    if len(segment) < MIN_MS:
        raise AudioError(f"too short ({len(segment) / 1000:.2f} s; at least "
                         f"{MIN_MS / 1000:.1f} s)")
    if segment.max_dBFS < SILENCE_PEAK_DBFS:
        raise AudioError("the audio is silent (no sample above "
                         f"{SILENCE_PEAK_DBFS:.0f} dBFS)")
    segment.export(str(target), format="wav")
    return AudioInfo(len(segment) / 1000, segment.frame_rate, segment.channels,
                     segment.sample_width)


def _speak(reading: str, target: Path) -> bool:
    command = ["espeak-ng", "-v", "ja", "-s", "150", "-w", str(target), reading]
    try:
        done = subprocess.run(command, capture_output=True, timeout=ESPEAK_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("espeak-ng failed (%s); using tones", exc)
        return False
    if done.returncode != 0 or not target.is_file():
        log.warning("espeak-ng exited %s; using tones", done.returncode)
        return False
    return True


def _tone_sequence(tones: Sequence[int]) -> AudioSegment:
    gap = AudioSegment.silent(duration=150, frame_rate=RATE_HZ)
    sequence = AudioSegment.silent(duration=200, frame_rate=RATE_HZ)
    for frequency in tones:
        beep = Sine(frequency, sample_rate=RATE_HZ).to_audio_segment(duration=350, volume=-12)
        sequence += beep.fade_in(10).fade_out(30) + gap
    return sequence


def _ffmpeg() -> str | None:
    return shutil.which(str(AudioSegment.converter))


EXPORT_FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg"}


def export_recording(wav: bytes, fmt: str) -> bytes:
    """An emergency recording (Asterisk's WAV, in memory) in the format the city asked for:
    ``wav`` as is, ``mp3`` through ffmpeg (64 kbit/s mono). Nothing touches the disk."""
    if fmt not in EXPORT_FORMATS:
        raise AudioError(f"format: one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "wav":
        return wav
    if not _ffmpeg():
        raise AudioError("MP3 needs ffmpeg (Debian package ffmpeg)")
    try:
        segment = AudioSegment(data=wav)
    except _DECODE_ERRORS:
        raise AudioError("the recording is not a readable WAV") from None
    out = io.BytesIO()
    segment.export(out, format="mp3", bitrate="64k")
    return out.getvalue()
