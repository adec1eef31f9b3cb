"""Oro customers (with their billing address) and customer users as one side of a
two-way sync with Salesforce accounts and contacts.

Change detection follows the API brief (§4.1): customers are filtered by ``updatedAt``;
addresses and customer users have no such filter, so their ``updatedAt`` alone is
scanned (a sparse fieldset, 5,000 per page) and the records stamped inside the window
are then read in full by id; an address changed since brings its customer along.
Oro keeps no tombstones (§4.3): these sources report a deletion only when a record
read by id is gone.

Oro cannot upsert customers or customer users (§1.9): the writers update the record
the hub has linked, else look it up by ``externalId`` (the Salesforce id, kept on
records made from Salesforce so a retry after a crash finds them), else create it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window
from pimsync.errors import AwaitingParent, RejectedRecord

from ._client import OroClient, OroRejected
from ._documents import Document, Resource, join_messages, linkage, resource_object

__all__ = [
    "BUYER_ROLE",
    "OroCustomer",
    "OroCustomerSource",
    "OroCustomerUserSource",
    "OroCustomerUserWriter",
    "OroCustomerWriter",
    "Places",
    "oro_time",
]

BUYER_ROLE = "ROLE_FRONTEND_BUYER"
ADDRESS_FIELDS = ("phone", "street", "city", "postal_code", "region", "country")
_ID_CHUNK = 100
# A stamp is an id and a time (about 60 bytes): 5,000 of them weigh what 500 full
# customer users do, and a scan of 20,000 takes 4 calls instead of 40.
_STAMP_PAGE = 5000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def oro_time(value: object) -> datetime:
    """An Oro datetime (``2025-06-01T10:00:00Z``); the epoch when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return _EPOCH
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return _EPOCH
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True, slots=True)
class Places:
    """Oro's countries (ISO2 → name) and regions (ISO2 → code → name): they turn the
    free text a CRM keeps ("Germany", "Berlin") into Oro's codes and back."""

    countries: Mapping[str, str]
    regions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, client: OroClient) -> Places:
        countries = {
            r.id.upper(): str(r.attributes.get("name") or r.id) for r in client.list("countries")
        }
        regions: dict[str, dict[str, str]] = {}
        for region in client.list("regions"):
            country = next((i for t, i in region.related_ids("country")), None)
            if country is None:
                continue
            code = str(region.attributes.get("code") or region.id.rpartition("-")[2])
            regions.setdefault(country.upper(), {})[code] = str(
                region.attributes.get("name") or code
            )
        return cls(countries, regions)

    def country_code(self, text: str | None) -> str | None:
        """The ISO2 code of a code or name (case-insensitive); unknown text as given."""
        if text is None:
            return None
        if text.upper() in self.countries:
            return text.upper()
        wanted = text.casefold()
        return next((c for c, n in self.countries.items() if n.casefold() == wanted), text)

    def country_name(self, code: str | None) -> str | None:
        return None if code is None else self.countries.get(code, code)

    def region_code(self, country: str | None, text: str | None) -> str | None:
        """The code of a region of ``country`` given by code or name; other text as given."""
        if text is None:
            return None
        known = self.regions.get(country or "", {})
        wanted = text.casefold()
        return next((c for c, n in known.items() if wanted in (c.casefold(), n.casefold())), text)

    def region_name(self, country: str | None, code: str | None) -> str | None:
        if code is None:
            return None
        return self.regions.get(country or "", {}).get(code, code)

    def has_regions(self, country: str | None) -> bool:
        return bool(self.regions.get(country or ""))


# -- customers -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OroCustomer:
    """A customer and its billing address (the default billing one, else the primary,
    else the first)."""

    customer: Resource
    address: Resource | None

    @property
    def updated_at(self) -> datetime:
        stamps = [oro_time(self.customer.attributes.get("updatedAt"))]
        if self.address is not None:
            stamps.append(oro_time(self.address.attributes.get("updatedAt")))
        return max(stamps)

    def fields(self) -> dict[str, Any]:
        """``name`` and the address as the pair's raw fields (region: Oro's code, or
        the free-text ``customRegion``)."""
        out: dict[str, Any] = {"name": _text(self.customer.attributes.get("name"))}
        address = self.address
        if address is None:
            return out | dict.fromkeys(ADDRESS_FIELDS)
        a = address.attributes
        country = next((i for _t, i in address.related_ids("country")), None)
        region = next((i for _t, i in address.related_ids("region")), None)
        return out | {
            "phone": _text(a.get("phone")),
            "street": _text(a.get("street")),
            "city": _text(a.get("city")),
            "postal_code": _text(a.get("postalCode")),
            "region": region.rpartition("-")[2] if region else _text(a.get("customRegion")),
            "country": country,
        }


def _billing(addresses: Sequence[Resource]) -> Resource | None:
    def rank(address: Resource) -> tuple[bool, bool, int]:
        types = address.attributes.get("types") or []
        default = any(
            isinstance(t, dict) and t.get("addressType") == "billing" and t.get("default")
            for t in types
        )
        primary = bool(address.attributes.get("primary"))
        number = int(address.id) if address.id.isdigit() else 0
        return (not default, not primary, number)

    return min(addresses, key=rank) if addresses else None


class OroPolling:
    """What the Oro sources of the two-way jobs share: the hub's clock (the API tells no
    server time; the jobs' overlap covers the difference), one partition, and reading
    records by id a hundred at a time."""

    def __init__(self, client: OroClient) -> None:
        self._client = client

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def partitions(self, since: datetime | None) -> Sequence[None]:
        return [None]

    def _by_id(
        self, type_: str, keys: Sequence[str], include: Sequence[str] = ()
    ) -> Iterator[tuple[Document, Resource]]:
        """Each found record of ``keys`` with the document that holds its includes."""
        for start in range(0, len(keys), _ID_CHUNK):
            chunk = {"id": ",".join(keys[start : start + _ID_CHUNK])}
            for page in self._client.pages(type_, chunk, include=include):
                for resource in page.document.data:
                    yield page.document, resource

    def _stamped(self, type_: str, since: datetime, owner: str | None = None) -> list[Resource]:
        """The records of ``type_`` stamped at or after ``since``, with ``updatedAt`` (and
        the ``owner`` relationship) only: the scan for a resource Oro cannot filter by
        ``updatedAt``."""
        names = "updatedAt" if owner is None else f"updatedAt,{owner}"
        return [
            resource
            for page in self._client.pages(type_, fields={type_: names}, page_size=_STAMP_PAGE)
            for resource in page.document.data
            if oro_time(resource.attributes.get("updatedAt")) >= since
        ]


def since_filter(since: datetime | None) -> dict[str, str] | None:
    """The ``updatedAt`` filter of a window (None: everything)."""
    return None if since is None else {"updatedAt[gte]": since.strftime("%Y-%m-%dT%H:%M:%SZ")}


class OroCustomerSource(OroPolling):
    """Oro customers changed since a window (by ``updatedAt``, or an address changed)."""

    def _with_addresses(self, customers: Sequence[Resource]) -> list[SourceRecord[OroCustomer]]:
        by_customer: dict[str, list[Resource]] = {}
        for start in range(0, len(customers), _ID_CHUNK):
            ids = ",".join(c.id for c in customers[start : start + _ID_CHUNK])
            for address in self._client.list("customeraddresses", {"customer": ids}):
                for _t, owner in address.related_ids("customer"):
                    by_customer.setdefault(owner, []).append(address)
        return [
            SourceRecord(c.id, OroCustomer(c, _billing(by_customer.get(c.id, []))))
            for c in customers
        ]

    def _customers(self, ids: Sequence[str]) -> list[Resource]:
        return [resource for _document, resource in self._by_id("customers", ids)]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[OroCustomer]]]:
        since = window.since
        seen: set[str] = set()
        for page in self._client.pages("customers", since_filter(since)):
            records = self._with_addresses(page.document.data)
            seen.update(r.key for r in records)
            yield records
        if since is None:
            return
        touched = sorted(
            {
                owner
                for address in self._stamped("customeraddresses", since, "customer")
                for _t, owner in address.related_ids("customer")
            }
            - seen
        )
        for start in range(0, len(touched), _ID_CHUNK):
            yield self._with_addresses(self._customers(touched[start : start + _ID_CHUNK]))

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[OroCustomer]]:
        found = {r.key: r for r in self._with_addresses(self._customers(list(keys)))}
        for key in keys:
            yield found.get(key) or SourceRecord(key, None, deleted=True)


def refused_result(change: Change, exc: OroRejected | RejectedRecord) -> ItemResult:
    """The answer for a change Oro refused (its messages) or pimsync refused to send."""
    if isinstance(exc, RejectedRecord):
        return ItemResult.refused(change.key, exc)
    return ItemResult(change.key, error=join_messages(exc.errors) or str(exc))


def _external_id(change: Change) -> str | None:
    """The Salesforce id a change carries: its pair key unless the record came from Oro."""
    return None if change.key.startswith("b:") else change.key


class OroCustomerWriter:
    """Writes canonical accounts as Oro customers with one billing address.

    A payload is ``name`` plus the address fields (``street``, ``city``,
    ``postal_code``, ``country`` as ISO2, ``region`` as a code or text, ``phone``); an
    incomplete address leaves the customer's address as it is.
    """

    def __init__(self, client: OroClient, places: Places) -> None:
        self._client = client
        self._places = places

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results: list[ItemResult] = []
        for change in changes:
            try:
                results.append(self._one(change))
            except (OroRejected, RejectedRecord) as exc:
                results.append(refused_result(change, exc))
        return results

    def _find(self, change: Change) -> str | None:
        if change.dest_key is not None:
            return change.dest_key
        external = _external_id(change)
        if external is None or not self._client.capabilities.ext_id:
            return None
        found = next(iter(self._client.list("customers", {"externalId": external})), None)
        return None if found is None else found.id

    def _one(self, change: Change) -> ItemResult:
        if change.op is Op.DELETE:
            self._client.delete("customers", change.dest_key or "")
            return ItemResult(change.key, change.dest_key)
        if change.op is Op.DISABLE:
            return ItemResult(change.key, error="Oro customers cannot be disabled; left as is")
        payload: Mapping[str, Any] = change.payload
        name = payload.get("name")
        if not name:
            raise RejectedRecord(change.key, "an Oro customer needs a name; the account has none")
        id_ = self._find(change)
        attributes: dict[str, Any] = {"name": name}
        external = _external_id(change)
        if id_ is None:
            if external is not None and self._client.capabilities.ext_id:
                attributes["externalId"] = external
            document = {"data": resource_object("customers", attributes=attributes)}
            id_ = self._client.create("customers", document)[0].one.id
            created = True
        else:
            document = {"data": resource_object("customers", id_=id_, attributes=attributes)}
            self._client.update("customers", id_, document)
            created = False
        self._address(id_, payload, created)
        return ItemResult(change.key, id_, created=created)

    def _address(self, customer: str, payload: Mapping[str, Any], created: bool) -> None:
        if not all(payload.get(f) for f in ("street", "city", "postal_code", "country")):
            return
        country = str(payload["country"])
        region = payload.get("region")
        region_code = self._places.region_code(country, region) if region else None
        known_region = region_code in self._places.regions.get(country, {})
        attributes: dict[str, Any] = {
            "street": payload["street"],
            "city": payload["city"],
            "postalCode": payload["postal_code"],
            "phone": payload.get("phone"),
            "organization": payload["name"],
            "customRegion": None if known_region else region,
        }
        relationships = {
            "country": linkage("countries", country),
            "region": linkage("regions", f"{country}-{region_code}" if known_region else None),
        }
        existing = (
            None
            if created
            else _billing(list(self._client.list("customeraddresses", {"customer": customer})))
        )
        if existing is None:
            attributes["types"] = [
                {"addressType": "billing", "default": True},
                {"addressType": "shipping", "default": True},
            ]
            attributes["primary"] = True
            relationships["customer"] = linkage("customers", customer)
            document = {
                "data": resource_object(
                    "customeraddresses", attributes=attributes, relationships=relationships
                )
            }
            self._client.create("customeraddresses", document)
            return
        document = {
            "data": resource_object(
                "customeraddresses",
                id_=existing.id,
                attributes=attributes,
                relationships=relationships,
            )
        }
        self._client.update("customeraddresses", existing.id, document)


# -- customer users --------------------------------------------------------------------


class OroCustomerUserSource(OroPolling):
    """Oro customer users changed since a window (``updatedAt`` has no filter: a scan of
    the stamps, then the changed users read by id)."""

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Resource]]]:
        since = window.since
        if since is None:
            for page in self._client.pages("customerusers"):
                yield [SourceRecord(u.id, u) for u in page.document.data]
            return
        changed = [u.id for u in self._stamped("customerusers", since)]
        for start in range(0, len(changed), _ID_CHUNK):
            yield list(self.read(changed[start : start + _ID_CHUNK]))

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Resource]]:
        found = {u.id: u for _document, u in self._by_id("customerusers", keys)}
        for key in keys:
            user = found.get(key)
            yield SourceRecord(key, user) if user else SourceRecord(key, None, deleted=True)


class OroCustomerUserWriter:
    """Writes canonical contacts as Oro customer users: ``first_name``, ``last_name``,
    ``email`` and ``account`` — the Salesforce account id, turned into the Oro customer
    through ``customer_of`` (None: that account is not in Oro yet, the contact is
    refused and retried by the next run)."""

    def __init__(self, client: OroClient, customer_of: Callable[[str], str | None]) -> None:
        self._client = client
        self._customer_of = customer_of
        self._role: str | None = None

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results: list[ItemResult] = []
        for change in changes:
            try:
                results.append(self._one(change))
            except (OroRejected, RejectedRecord) as exc:
                results.append(refused_result(change, exc))
        return results

    def _buyer_role(self) -> str:
        if self._role is None:
            found = next(iter(self._client.list("customeruserroles", {"role": BUYER_ROLE})), None)
            if found is None:
                found = next(
                    (
                        r
                        for r in self._client.list("customeruserroles")
                        if r.attributes.get("role") == BUYER_ROLE
                    ),
                    None,
                )
            if found is None:
                raise RejectedRecord(
                    "customeruserroles", f"Oro has no {BUYER_ROLE} role to give new customer users"
                )
            self._role = found.id
        return self._role

    def _one(self, change: Change) -> ItemResult:
        if change.op is Op.DELETE:
            self._client.delete("customerusers", change.dest_key or "")
            return ItemResult(change.key, change.dest_key)
        if change.op is Op.DISABLE:
            document = {
                "data": resource_object(
                    "customerusers", id_=change.dest_key, attributes={"enabled": False}
                )
            }
            self._client.update("customerusers", change.dest_key or "", document)
            return ItemResult(change.key, change.dest_key)
        payload: Mapping[str, Any] = change.payload
        missing = [f for f in ("first_name", "last_name", "email") if not payload.get(f)]
        if missing:
            raise RejectedRecord(
                change.key,
                f"an Oro customer user needs {', '.join(missing).replace('_', ' ')}; "
                "the contact has none",
            )
        account = payload.get("account")
        if not account:
            raise RejectedRecord(
                change.key, "an Oro customer user needs a customer; the contact has no account"
            )
        customer = self._customer_of(str(account))
        if customer is None:
            raise AwaitingParent(
                change.key,
                f"its account {account} is not in Oro yet (run the accounts job first); "
                "the contact is retried by the next run",
            )
        attributes = {
            "firstName": payload["first_name"],
            "lastName": payload["last_name"],
            "email": payload["email"],
        }
        relationships: dict[str, Any] = {"customer": linkage("customers", customer)}
        id_ = change.dest_key
        external = _external_id(change)
        if id_ is None and external is not None and self._client.capabilities.ext_id:
            found = next(iter(self._client.list("customerusers", {"externalId": external})), None)
            id_ = None if found is None else found.id
        if id_ is not None:
            document = {
                "data": resource_object(
                    "customerusers", id_=id_, attributes=attributes, relationships=relationships
                )
            }
            self._client.update("customerusers", id_, document)
            return ItemResult(change.key, id_)
        if external is not None and self._client.capabilities.ext_id:
            attributes["externalId"] = external
        relationships["userRoles"] = {
            "data": [{"type": "customeruserroles", "id": self._buyer_role()}]
        }
        document = {
            "data": resource_object(
                "customerusers", attributes=attributes, relationships=relationships
            )
        }
        id_ = self._client.create("customerusers", document)[0].one.id
        return ItemResult(change.key, id_, created=True)
