"""The Asterisk side of a FastAGI request, for tests of a route: records the commands sent."""

from __future__ import annotations


class RecordingChannel:
    def __init__(self) -> None:
        self.commands: list[str] = []

    async def send_command(self, command: str) -> dict[str, object]:
        self.commands.append(command)
        return {"status_code": 200}
