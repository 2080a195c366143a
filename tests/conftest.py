"""Shared fixtures: one moto server over real HTTP per session, reset and re-seeded per test.

No request may leave for a real *.amazonaws.com: an autouse fixture fails the test if one tries,
and the environment points every credential and config lookup at nothing real.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator

import pytest

from tests.support.clock import BOTOCORE_TIME, CLOCK
from tests.support.realism import Realism, RealisticServer, Settings
from wizard import clock
from wizard.demo import DemoAccount, seed_account
from wizard.demo_server import start_server


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores. In virtual time (tests/support/clock.py) and with
    the command line in-process, a test mostly computes; what still waits is real (a pty test's
    TOTP step, Pilot's idle checks), and the one extra worker computes meanwhile. Every worker
    more costs its own start-up: on two cores, with work stealing, three workers took 63 s and
    101 CPU-s, four 64 s and 104 CPU-s, six 70 s and 130 CPU-s (604 tests)."""
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The real-time tests first (`@pytest.mark.real_time`: the product in a real process, a pty,
    a real TOTP step of up to 30 s). With work stealing the first worker starts on them (one after
    another) while the others take the in-process tests, so their waits run beside the rest
    instead of at the end. The order within each group stays as collected."""
    items.sort(key=lambda item: item.get_closest_marker("real_time") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """After collection, what is loaded (moto, botocore's models, Textual) stays for the run:
    freeze it out of the cyclic collector, and collect young objects less often. A test makes
    tens of thousands of short-lived objects (HTTP, XML, widgets), and each full collection
    walked the whole heap again: this took about 14 % of the suite's CPU time."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


@pytest.fixture(autouse=True)
def isolated_aws_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No real profile, config, credentials, cache or state is read or written by a test."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Messages in English, whatever the developer's locale (LANGUAGE comes first in gettext's
    order, and leaves LC_ALL/LANG, and so the encoding, alone); a test that switched to
    Japanese leaves English behind it."""
    from wizard import i18n

    monkeypatch.setenv("LANGUAGE", "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(autouse=True)
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The product's waits (and botocore's retry backoff) skip ahead in virtual time
    (tests/support/clock.py); the offset starts at 0 in every test."""
    import botocore.endpoint

    CLOCK.reset()
    previous = clock.install(CLOCK)
    monkeypatch.setattr(botocore.endpoint, "time", BOTOCORE_TIME)
    yield
    clock.install(previous)


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything tries to reach real AWS."""
    from botocore.httpsession import URLLib3Session

    original = URLLib3Session.send

    def guarded_send(self, request):  # noqa: ANN001, ANN202
        if "amazonaws.com" in request.url:
            raise AssertionError(f"a test tried to reach real AWS: {request.url.split('?')[0]}")
        return original(self, request)

    monkeypatch.setattr(URLLib3Session, "send", guarded_send)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A ThreadedMotoServer on a free port for the whole session; yields its URL."""
    server, url = start_server()
    yield url
    server.stop()


def reset_server(url: str) -> None:
    """Wipe every backend of the moto server (its /moto-api/reset endpoint)."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


@pytest.fixture(scope="session")
def realistic_server(moto_server: str) -> Iterator[RealisticServer]:
    """The realism layer (tests/support/realism.py) in front of the same moto backends."""
    server = RealisticServer()
    yield server
    server.stop()


@pytest.fixture
def realism_defaults() -> dict[str, object]:
    """How strict AWS is for this directory's tests; tests/integration makes it stricter."""
    return {}


@pytest.fixture
def realism(
    realistic_server: RealisticServer,
    realism_defaults: dict[str, object],
    request: pytest.FixtureRequest,
) -> Realism:
    """The layer, reset for this test: directory defaults, then `@pytest.mark.realism(...)`."""
    marker = request.node.get_closest_marker("realism")
    settings = Settings(**{**realism_defaults, **(marker.kwargs if marker else {})})
    realistic_server.layer.reset(settings)
    return realistic_server.layer


@pytest.fixture
def demo(moto_server: str, realistic_server: RealisticServer, realism: Realism) -> DemoAccount:
    """A freshly reset and seeded demo account, reached through the realism layer."""
    reset_server(moto_server)
    return seed_account(realistic_server.url)


@pytest.fixture
def services(demo: DemoAccount):  # noqa: ANN201
    """Services signed as the demo admin, with the app's own retry settings (the realism layer
    throttles a share of requests in the integration tests, as AWS does)."""
    return demo.services(max_attempts=5)


@pytest.fixture
def demo_env(demo: DemoAccount) -> dict[str, str]:
    """Environment for a subprocess that should act as the demo admin on the moto server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=demo.endpoint_url,
        AWS_ACCESS_KEY_ID=demo.admin_access_key_id,
        AWS_SECRET_ACCESS_KEY=demo.admin_secret_access_key,
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=os.environ["AWS_CONFIG_FILE"],
        AWS_SHARED_CREDENTIALS_FILE=os.environ["AWS_SHARED_CREDENTIALS_FILE"],
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env
