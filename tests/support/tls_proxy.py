"""Debian's nginx in front of the console with TLS, the way the city runs it: the site file in
``deploy/nginx-dialer.conf`` with its marked values replaced (port, name, certificate, upstream),
a certificate authority the test makes, and the SPKI pin Chromium is told to trust.

A missing nginx is a failure, never a skip: ``make setup`` installs it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import ipaddress
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx-dialer.conf"
NGINX = Path("/usr/sbin/nginx")
NAME = "localhost"
ADDRESS = "127.0.0.1"
# nginx reaches the console from this address (proxy_bind), so what the service logs as the
# proxy (127.0.0.3) differs from the browser's address (127.0.0.1).
PROXY_SOURCE = "127.0.0.3"


@dataclass(frozen=True)
class Certificates:
    ca: Path
    chain: Path
    key: Path
    spki_sha256: str  # base64, for Chromium's --ignore-certificate-errors-spki-list


def make_certificates(directory: Path) -> Certificates:
    """A CA and a server certificate for localhost / 127.0.0.1 signed by it (P-256, 1 day)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dialer test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(NAME), *(x509.IPAddress(ipaddress.ip_address(a))
                                   for a in ("127.0.0.1",))]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths = Certificates(directory / "ca.pem", directory / "fullchain.pem",
                         directory / "privkey.pem", _spki(cert))
    paths.ca.write_bytes(ca.public_bytes(pem))
    paths.chain.write_bytes(cert.public_bytes(pem) + ca.public_bytes(pem))
    paths.key.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    paths.key.chmod(0o600)
    return paths


def _spki(cert: x509.Certificate) -> str:
    der = cert.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def site_config(port: int, upstream_port: int, certs: Certificates) -> str:
    """The deployed site file with its marked values replaced; everything else as shipped."""
    text = SITE.read_text(encoding="utf-8")
    replacements = {
        "listen 443 ssl http2;": f"listen {ADDRESS}:{port} ssl http2;",
        "server_name dialer.city.example;": f"server_name {NAME};",
        "/etc/ssl/dialer/fullchain.pem": str(certs.chain),
        "/etc/ssl/dialer/privkey.pem": str(certs.key),
        "proxy_pass http://127.0.0.1:8080;": f"proxy_pass http://127.0.0.1:{upstream_port};\n"
                                              f"        proxy_bind {PROXY_SOURCE};",
    }
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"deploy/nginx-dialer.conf no longer contains {old!r}")
        text = text.replace(old, new)
    return text


def main_config(directory: Path, site: Path) -> str:
    """nginx.conf around the site: everything under ``directory``, no root-owned paths."""
    temp = "\n".join(f"    {name}_temp_path {directory / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"pid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'} warn;\n"
            "worker_processes 1;\nevents { worker_connections 512; }\n"
            f"http {{\n    access_log {directory / 'access.log'};\n{temp}\n"
            f"    include {site};\n}}\n")


@dataclass(frozen=True)
class Proxy:
    origin: str  # https://localhost:PORT, what the browser's address bar shows
    certs: Certificates
    directory: Path


@contextlib.asynccontextmanager
async def running(directory: Path, upstream_port: int, port: int) -> AsyncIterator[Proxy]:
    """Debian's nginx in the foreground on ``ADDRESS:port``, proxying to the console."""
    conf, certs = _prepare(directory, upstream_port, port)
    process = await asyncio.create_subprocess_exec(
        str(NGINX), "-c", str(conf), "-p", str(directory), "-g", "daemon off;",
        stderr=asyncio.subprocess.PIPE)
    try:
        await _until_listening(port, process)
        yield Proxy(origin(port), certs, directory)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGQUIT)
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


def origin(port: int) -> str:
    return f"https://{NAME}:{port}"


def _prepare(directory: Path, upstream_port: int, port: int) -> tuple[Path, Certificates]:
    if not NGINX.exists():
        raise AssertionError("nginx is not installed (make setup installs Debian's nginx)")
    directory.mkdir(parents=True, exist_ok=True)
    certs = make_certificates(directory)
    site = directory / "site.conf"
    site.write_text(site_config(port, upstream_port, certs), encoding="utf-8")
    conf = directory / "nginx.conf"
    conf.write_text(main_config(directory, site), encoding="utf-8")
    return conf, certs


async def _until_listening(port: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(200):
        if process.returncode is not None:
            err = await process.stderr.read() if process.stderr else b""
            raise AssertionError(f"nginx exited: {err.decode(errors='replace')}")
        with contextlib.suppress(OSError):
            _reader, writer = await asyncio.open_connection(ADDRESS, port)
            writer.close()
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"nginx did not listen on {port}")
