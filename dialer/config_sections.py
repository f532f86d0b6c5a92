"""The configuration's plain sections: `[centre]`, `[database]`, `[paths]`, `[ami]`, `[agi]`,
`[web]`, `[trunk]`, `[asterisk]`, `[recordings]`, `[backup]` and `[audit]` — keys with a default,
read as they are typed.

``dialer.config`` reads them (and checks the values); import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CentreSettings:
    name: str = "札幌市電話納付案内センター"
    # The dedicated number (専用番号): presented on every outbound call, and the number residents
    # call back on. Any common shape; held in canonical national form after loading.
    dedicated_number: str = "0112110000"
    timezone: str = "Asia/Tokyo"


@dataclass(frozen=True)
class DatabaseSettings:
    # SQLite via aiosqlite by default; postgresql+asyncpg://... when one machine is not enough.
    url: str = "sqlite+aiosqlite:///var/dialer.sqlite3"
    # SQLite: how long a write waits for another writer's lock before it fails ("database is
    # locked"; the console answers 503 and the operator's page sends the result again).
    busy_timeout_ms: int = 5000
    # This process's name among the `dialer serve` processes sharing one database (PostgreSQL):
    # after a restart each takes back only the calls it placed itself. Unique per process and
    # kept across restarts.
    instance: str = "main"


@dataclass(frozen=True)
class PathSettings:
    data_dir: Path = Path("var")
    recordings_dir: Path = Path("var/recordings")
    outbox_dir: Path = Path("var/outbox")
    sounds_dir: Path = Path("var/sounds")
    # Where MixMonitor writes an emergency recording while it runs, as the service sees it (the
    # same folder as [asterisk] recordings_spool); the service encrypts each file into
    # recordings_dir when the recording ends and destroys the plain one.
    recordings_spool: Path = Path("var/recordings-spool")


@dataclass(frozen=True)
class AmiSettings:
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "dialer"
    secret: str = "change-me-dialer-ami"  # noqa: S105 - a placeholder the sample tells you to change
    connect_timeout_s: float = 5.0


@dataclass(frozen=True)
class AgiSettings:
    # Where the service's FastAGI server listens: loopback, where Asterisk runs (see [ami] host).
    host: str = "127.0.0.1"
    port: int = 4573
    # The addresses or networks allowed to connect (Asterisk's, seen from here); anyone else is
    # closed at once. Empty: loopback only. Set it if host is not a loopback address.
    allowed_peers: tuple[str, ...] = ()


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    # The console locks (content hidden, password asked again) after this long without input.
    idle_lock_s: int = 300
    session_max_h: float = 12.0  # a login lasts at most one working day
    # "auto": Secure cookies unless the console listens on loopback only (the demo); behind a
    # TLS proxy in production, "always".
    secure_cookies: str = "auto"
    login_max_failures: int = 5  # then the account is locked for lockout_min minutes
    lockout_min: int = 15
    # Behind the TLS proxy: what the browser's address bar shows ("https://dialer.city.example",
    # no path). Every browser POST and websocket must come from exactly this origin; cookies are
    # Secure. Empty: the origin is this request's own scheme and host (the demo on loopback).
    public_origin: str = ""
    # The proxies (addresses or networks) whose X-Forwarded-For / X-Forwarded-Proto are believed:
    # the browser's address (login throttle, access log) and scheme come from them, from nobody
    # else.
    trusted_proxies: tuple[str, ...] = ()
    # Host names the console answers to (a request naming another host is refused: DNS
    # rebinding). Empty: public_origin's host, [web] host, localhost and the loopback addresses.
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class AsteriskSettings:
    """The Asterisk host as the service sees it."""

    # Asterisk's configuration folder. The service writes one file there, the calendar include
    # (in its own folder, conf_dir/dialer/), before it asks Asterisk to reload its dialplan: the
    # service's user needs write access to that folder only; `dialer doctor` reads manager.conf.
    conf_dir: Path = Path("/etc/asterisk")
    # Where Asterisk finds the three callback messages and the hold audio, as Asterisk sees it:
    # the same folder as [paths] sounds_dir when Asterisk runs on this host.
    sounds_dir: Path = Path("/var/lib/dialer/sounds")
    # How often a waiting caller hears the congestion message (seconds), hold audio between.
    congestion_every_s: int = 30
    # Seconds after joining the queue a waiting caller first hears it (0-5: at once, §8(3)エ).
    congestion_start_s: int = 1
    # Where MixMonitor writes an emergency recording while it runs, as Asterisk sees it (the
    # same folder as [paths] recordings_spool when Asterisk runs on this host).
    recordings_spool: Path = Path("/var/spool/dialer/recordings")


@dataclass(frozen=True)
class RecordingsSettings:
    """Emergency recordings (recordings_policy): the key and how long they are kept."""

    # The AES-256 key that wraps each recording's own data key: kept outside the data folder,
    # the database and the recordings store, so no copy of the data carries it (created, mode
    # 0600, when first needed and no recording exists yet).
    key_file: Path = Path("keys/recordings.key")
    # Kept until the city instructs their erasure (SPEC §14(7)): 0 (the default) never erases
    # automatically; a value above 0 opts in to erasing them this many days after they end.
    retention_days: int = 0


@dataclass(frozen=True)
class CallingSettings:
    """How a target is called again (dialer.domain.reach_scheduling): the policy and the limits
    per person (across a debt type's lists: a resident on two months' lists counts once)."""

    # "reach": retries rotate the calling windows and the numbers and learn the answer rates;
    # "naive": the classification's fixed delay on the same number (common dialers' recycling).
    policy: str = "reach"
    per_day: int = 3  # calls a person gets at most in one day
    total: int = 10  # calls a person gets at most in all
    # a target assigned to an operator who is busy waits this long for her, then anyone skilled
    assigned_wait_min: float = 10.0


@dataclass(frozen=True)
class BackupSettings:
    """Backups of the database and the sealed recordings (``dialer backup``; nightly by the
    service), sealed with AES-256-GCM."""

    # Another disk, or a mount of the city's backup server, in production: a backup on the data's
    # own disk dies with it.
    dir: Path = Path("backups")
    # The key the backups are sealed with: outside the data folder and the backups (mode 0600;
    # created with the first backup). Keep a copy apart from both.
    key_file: Path = Path("keys/backup.key")
    keep: int = 14  # the newest backups kept; older ones are destroyed
    at: str = "02:30"  # taken every night at this time (centre time) by the service; "" = never


@dataclass(frozen=True)
class AuditSettings:
    """The access log's hash chain (``dialer audit``)."""

    # The HMAC key every link of the chain is made with: outside the data folder (mode 0600;
    # created with the first entry of an empty log). Without it the log cannot be verified and
    # the service writes no entry: keep a copy apart from the data and its backups.
    key_file: Path = Path("keys/audit.key")


@dataclass(frozen=True)
class TrunkSettings:
    """The carrier (PSTN) trunk every outbound call leaves through."""

    host: str = "127.0.0.1"
    port: int = 5060
    transport: str = "udp"
    username: str = ""
    password: str = ""
    # Where the carrier's calls come from (pjsip identify "match"); empty: the trunk host.
    match: str = ""
    # Asterisk's own SIP listener: loopback until the admin names the interface facing the
    # carrier and the phones (never every interface: `dialer doctor` says which to set).
    sip_bind_host: str = "127.0.0.1"
    sip_bind_port: int = 5060
    max_lines: int = 30
    # Lines kept free for residents calling back (dialer.domain.line_budget): Erlang B on the
    # callbacks of the last callback_window_min minutes for at most callback_blocking of
    # callers meeting every line taken, never fewer than callback_reserve_min lines. Outbound
    # calls in flight never exceed max_lines minus this reserve.
    callback_reserve_min: int = 2
    callback_blocking: float = 0.001
    callback_window_min: int = 60
    # Originates per second the carrier accepts (a token bucket spaces the calls; see
    # dialer.domain.rate_limit).
    max_calls_per_s: float = 5.0
