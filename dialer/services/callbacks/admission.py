"""Which FastAGI requests the service answers: only those of a call Asterisk reported on the AMI.

Anyone who can reach the FastAGI port could otherwise ask the gate for any caller id and channel:
each forged request would add a call to the board and keep a list of candidates in memory. The
allowlist (``[agi] allowed_peers``, checked by the adapter) keeps strangers off the port; this
check keeps even an allowed peer to the calls Asterisk really carries: a request is answered only
if its channel's unique id (``agi_uniqueid``) is a call the inbound tracker follows on the
callback line and that has not ended. The AGI connection can arrive before the AMI event that
announces the call has been handled (Asterisk sends both at once, on two sockets), so the check
waits up to ``WAIT_S`` for it. A refused request is closed unanswered; the dialplan's own calendar
then routes the caller (the right message, or the queue).

With the AMI link down the service cannot know the calls, and a request is answered unchecked
(logged at WARNING): refusing would hand every caller during an AMI outage to the dialplan's
calendar, which knows neither the city's suspension order nor who may be calling, while the
allowlist still keeps strangers out. A call that began while the link was down and asks just after
it came back is refused (its events were lost): the dialplan's calendar routes it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from dialer.adapters.agi import AgiRequest

log = logging.getLogger(__name__)

WAIT_S = 0.5  # how long a request waits for the AMI to report its call

Seen = Callable[[str, float], Awaitable[bool]]  # (channel unique id, wait) -> followed and live


class SeenOnAmi:
    """The FastAGI server's ``admit`` check: ``seen`` is the inbound tracker's ``wait_seen``,
    ``ami_connected`` whether the AMI link is logged in now."""

    def __init__(self, seen: Seen, ami_connected: Callable[[], bool],
                 wait_s: float = WAIT_S) -> None:
        self._seen = seen
        self._ami_connected = ami_connected
        self._wait_s = wait_s

    async def __call__(self, request: AgiRequest) -> bool:
        if self._ami_connected() and await self._seen(request.uniqueid, self._wait_s):
            return True
        if self._ami_connected():
            return False  # the adapter logs and counts the refusal
        log.warning("FastAGI request for channel %r answered unchecked: the AMI link is down",
                    request.uniqueid)
        return True
