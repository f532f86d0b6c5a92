"""The formats a recording is exported in, with their content types (the conversion is the
``audio`` adapter's, through ``RecordingArchive.export``)."""

from __future__ import annotations

from dialer.adapters.audio import EXPORT_FORMATS

__all__ = ["EXPORT_FORMATS"]
