"""TLS: a self-signed certificate for 127.0.0.1 and localhost, wss:// websockets, plain REST."""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import websockets
from cryptography import x509

from simulator.sim_client import connect
from spotstream.simulator import Simulator
from spotstream.simulator.tls import make_tls_files


def test_the_certificate_names_both_loopback_names() -> None:
    files = make_tls_files()
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == ["localhost"]
        assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        now = datetime.now(UTC)
        assert cert.not_valid_before_utc < now < cert.not_valid_after_utc
        assert files.key.stat().st_mode & 0o077 == 0  # the key is the owner's only
    finally:
        files.remove()
    assert not files.directory.exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_wss_with_the_certificate_and_plain_rest(host: str) -> None:
    async with Simulator(seed=2, rate=50, tls=True) as sim:
        urls, cert = sim.urls, sim.tls_cert
        assert cert is not None
        pem = await asyncio.to_thread(Path(cert).read_bytes)
        assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
        assert list(urls)[:4] == ["public", "private", "l3", "rest"]
        rest_urls = ("rest", "coinex_rest")
        assert all(
            url.startswith("wss://127.0.0.1:") for k, url in urls.items() if k not in rest_urls
        )
        assert urls["rest"] == f"http://127.0.0.1:{sim.port}"
        assert urls["coinex_rest"] == f"http://127.0.0.1:{sim.port}/coinex"  # REST stays plain
        context = ssl.create_default_context(cafile=cert)
        for name in ("kraken_v1_public", "public"):
            client = await connect(urls[name].replace("127.0.0.1", host), ssl=context)
            first = await client.recv()
            assert first.get("event") == "systemStatus" or first.get("channel") == "status"
            await client.close()
        rest = f"{urls['rest']}/0/public/Time"
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(rest, timeout=10).read())
        assert json.loads(body)["error"] == []
        plain = await connect(f"ws://127.0.0.1:{sim.port}/")  # the plain port serves all too
        assert (await plain.recv())["event"] == "systemStatus"
        await plain.close()
    assert not await asyncio.to_thread(Path(cert).exists)  # removed on stop


async def test_an_untrusted_client_is_refused() -> None:
    async with Simulator(seed=2, rate=50, tls=True) as sim:
        with pytest.raises(ssl.SSLCertVerificationError):
            await websockets.connect(sim.urls["kraken_v1_public"])  # the system's trust store


async def test_without_tls_there_is_no_certificate() -> None:
    async with Simulator(seed=2, rate=50) as sim:
        assert sim.tls_cert is None
        assert sim.tls_port is None
        assert sim.urls["public"].startswith("ws://")
