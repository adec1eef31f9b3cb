from __future__ import annotations

import httpx
import orjson
import pytest

from pimsync.connectors.oro import MEDIA_TYPE, OroClient, OroCredentials, OroRejected
from pimsync.errors import AuthenticationError, ConfigError, FatalSourceError

from ._fake import BAD_CLIENT, BASE, SECRET, FakeOro, api, make_client


def test_client_credentials_grant_and_bearer_token() -> None:
    fake = FakeOro()
    fake.add("ABC-1")
    with make_client(fake) as client:
        assert [r.attributes["sku"] for r in client.list("products")] == ["ABC-1"]
        assert [r.attributes["sku"] for r in client.list("products")] == ["ABC-1"]
    assert fake.grants == [
        {"grant_type": "client_credentials", "client_id": "client", "client_secret": SECRET}
    ]
    listing = fake.requests[-1]
    assert listing.headers["Authorization"] == "Bearer access-1"
    assert listing.headers["Accept"] == MEDIA_TYPE
    assert listing.url.params["page[size]"] == "100"


def test_password_grant_then_refresh_grant() -> None:
    fake = FakeOro()
    credentials = OroCredentials.of("client", SECRET, "admin", "pa55word")
    with make_client(fake, credentials=credentials) as client:
        client.token()
        fake.valid_tokens.clear()  # the server forgets the token: 401, then refresh
        assert list(client.list("products")) == []
    assert [g["grant_type"] for g in fake.grants] == ["password", "refresh_token"]
    assert fake.grants[1]["refresh_token"] == "refresh-1"


def test_bad_secret_is_an_authentication_error_naming_url_and_message() -> None:
    fake = FakeOro()
    with (
        make_client(fake, credentials=OroCredentials.of("client", "wrong-secret")) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.token()
    message = str(caught.value)
    assert BASE in message and BAD_CLIENT in message
    assert "wrong-secret" not in message


def test_not_an_oro_url_is_a_config_error() -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(404, text="<html>nope</html>"))
    with (
        OroClient(BASE, OroCredentials.of("c", "s"), transport=transport) as client,
        pytest.raises(ConfigError, match="does not look like OroCommerce"),
    ):
        client.token()


def test_401_renews_the_token_once() -> None:
    fake = FakeOro()
    fake.add("ABC-1")
    with make_client(fake) as client:
        client.token()
        fake.valid_tokens.clear()
        assert len(list(client.list("products"))) == 1
    assert fake.issued == 2
    assert fake.requests[-1].headers["Authorization"] == "Bearer access-2"


@pytest.mark.parametrize("relative", [False, True])
def test_list_follows_next_links(relative: bool) -> None:
    fake = FakeOro(relative_links=relative)
    for n in range(5):
        fake.add(f"SKU-{n}")
    with make_client(fake, page_size=2) as client:
        pages = list(client.pages("products"))
    assert [p.number for p in pages] == [1, 2, 3]
    skus = [r.attributes["sku"] for p in pages for r in p.document.data]
    assert skus == [f"SKU-{n}" for n in range(5)]
    assert pages[1].url.startswith(BASE)


def test_filters_include_and_fields_reach_the_query() -> None:
    fake = FakeOro()
    with make_client(fake) as client:
        list(
            client.list(
                "products",
                {"sku": "A,B", "updatedAt[gte]": "2025-06-01T00:00:00Z"},
                include=["names"],
                fields={"products": "sku"},
            )
        )
    params = fake.requests[-1].url.params
    assert params["filter[sku]"] == "A,B"
    assert params["filter[updatedAt][gte]"] == "2025-06-01T00:00:00Z"
    assert params["include"] == "names"
    assert params["fields[products]"] == "sku"


def test_a_failing_page_raises_with_its_url() -> None:
    fake = FakeOro()
    for n in range(3):
        fake.add(f"SKU-{n}")

    def page_two_breaks(request: httpx.Request) -> httpx.Response | None:
        if request.url.params.get("page[number]") == "2":
            return httpx.Response(500, text="boom")
        return None

    fake.overrides["/admin/api/products"] = page_two_breaks
    with make_client(fake, page_size=2) as client:
        pages = client.pages("products")
        assert len(next(pages).document.data) == 2
        with pytest.raises(
            FatalSourceError,
            match=r"page 2 at https://oro\.example\.test/admin/api/products\?.*page%5Bnumber%5D=2",
        ):
            next(pages)


def test_a_page_that_is_not_a_list_raises() -> None:
    fake = FakeOro()
    fake.overrides["/admin/api/products"] = lambda _: api(
        200, {"data": {"type": "products", "id": "1"}}
    )
    with make_client(fake) as client, pytest.raises(FatalSourceError, match="not a JSON:API list"):
        list(client.list("products"))


def test_create_rejection_carries_errors_with_field() -> None:
    fake = FakeOro()
    fake.add("ABC-1")
    document = {
        "data": {
            "type": "products",
            "attributes": {"sku": "abc-1"},
            "relationships": {"names": {"data": []}},
        }
    }
    with make_client(fake) as client, pytest.raises(OroRejected) as caught:
        client.create("products", document)
    [error] = caught.value.errors
    assert error.field == "sku"
    assert error.title == "unique entity constraint"
    assert caught.value.status_code == 400
    sent = fake.requests[-1]
    assert sent.headers["Content-Type"] == MEDIA_TYPE
    assert orjson.loads(sent.content) == document


def test_get_delete_and_count() -> None:
    fake = FakeOro()
    oro_id = fake.add("ABC-1")
    with make_client(fake) as client:
        found = client.get("products", oro_id)
        assert found is not None and found.one.attributes["sku"] == "ABC-1"
        assert client.count("products") == 1
        assert client.delete("products", oro_id) is True
        assert client.delete("products", oro_id) is False
        assert client.get("products", oro_id) is None


def test_categories_read_only_probe_creates_nothing() -> None:
    fake = FakeOro()
    with make_client(fake) as client:
        assert client.categories_writable() is False
        assert client.categories_writable() is False
    assert [r.method for r in fake.requests if "categories" in r.url.path] == ["OPTIONS"]


def test_categories_probe_falls_back_to_an_invalid_post() -> None:
    fake = FakeOro()
    fake.overrides["/admin/api/categories"] = lambda r: (
        httpx.Response(405)
        if r.method == "OPTIONS"
        else api(
            409,
            {
                "errors": [
                    {"status": "409", "title": "conflict constraint", "detail": "type mismatch"}
                ]
            },
        )
    )
    with make_client(fake) as client:
        assert client.categories_writable() is True
    posted = orjson.loads(fake.requests[-1].content)
    assert posted["data"]["type"] == "pimsync-capability-probe"
