from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr, ValidationError

from pimsync.connectors.oro import OroSettings, check_oro, connect
from pimsync.errors import ConfigError

from ._fake import BASE, SECRET, FakeOro


def test_settings_validate_the_version() -> None:
    with pytest.raises(ValidationError, match="invalid OroCommerce version"):
        OroSettings(url=BASE, client_id="client", version="latest")


def test_connect_needs_the_secret() -> None:
    settings = OroSettings(url=BASE, client_id="client")
    with pytest.raises(ConfigError, match="client_secret"):
        connect(settings, {})
    with_user = OroSettings(url=BASE, client_id="client", username="admin")
    with pytest.raises(ConfigError, match="password"):
        connect(with_user, {"client_secret": SecretStr(SECRET)})


def test_check_oro_reports_what_it_can_read() -> None:
    fake = FakeOro()
    fake.add("A-1")
    fake.add("B-1")
    settings = OroSettings(url=BASE, client_id="client", version="6.1.10")
    lines = check_oro(
        settings, {"client_secret": SecretStr(SECRET)}, transport=httpx.MockTransport(fake)
    )
    assert lines == [
        f"{BASE}: signed in (client credentials grant)",
        "localizations: English (United States), German",
        "products: 2",
        "categories: read-only",
        "6.1.10: upsert, sync_batch, validate, ext_id",
    ]
