"""The web fixtures (accounts, backend, ``client``, ``console_client``) of
tests/component/web, for the fuzz tests of the console's routes and websockets."""

from __future__ import annotations

from tests.component.web.conftest import (  # noqa: F401 - fixtures, found by name
    accounts_ready,
    backend,
    client,
    clock,
    console_client,
)
