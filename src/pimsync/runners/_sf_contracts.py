"""The ``sf.contracts`` flow: Salesforce Contracts, one way, to a custom Oro entity.

OroCommerce has no contract entity (API brief §3.5), so contracts go to a custom entity
an admin creates; the API lists it under the plural alias Oro gives it (the sandbox's is
``extendcontracts``). Its type name, the Oro field each Salesforce field goes to, the
field holding the Salesforce id and the customer relationship are options.

A contract is found in Oro by its Salesforce id (looked up, then created or updated);
the Oro id is the engine's destination key. Its account becomes the Oro customer the
accounts job linked it to (the hub's cross-references); a contract whose account is not
linked yet is rejected and retried by the next run. A contract with a price book gives
its customer that price book's Oro price list through ``pricelisttocustomers``: created
once, and moved or removed when the contract's price book, account or existence changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Engine

from pimsync.connectors.base import Change, ItemResult, Op
from pimsync.connectors.oro import (
    OroClient,
    OroRejected,
    Resource,
    join_messages,
    linkage,
    resource_object,
)
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.salesforce import connect as connect_salesforce
from pimsync.connectors.salesforce._source import SObjectSource
from pimsync.errors import AwaitingParent, ConfigError
from pimsync.jobs import StreamSpec
from pimsync.runners._sf_catalog import PRICE_LISTS
from pimsync.state import cross_references

__all__ = ["ContractWriter", "HubLinks", "SfContractsOptions", "contract_mapper", "sf_contracts"]

log = logging.getLogger("pimsync.salesforce")

SOBJECT = "Contract"
# Oro attribute of the sandbox's custom entity → Salesforce Contract field
DEFAULT_FIELDS = {
    "contract_number": "ContractNumber",
    "status": "Status",
    "start_date": "StartDate",
    "end_date": "EndDate",
    "contract_term": "ContractTerm",
    "description": "Description",
}


class HubLinksOption(BaseModel):
    """Where another job keeps its links in the hub: ``connection`` (default: this job's
    Oro connection) and ``entity``."""

    model_config = ConfigDict(extra="forbid")

    connection: str | None = None
    entity: str


class SfContractsOptions(BaseModel):
    """Options of the sf.contracts flow; the defaults fit the Oro sandbox."""

    model_config = ConfigDict(extra="forbid")

    entity_type: str = "extendcontracts"
    # Oro attribute → Salesforce Contract field
    fields: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_FIELDS))
    salesforce_id_field: str = "salesforce_id"
    customer_relationship: str = "customer"
    # the Salesforce Account id → Oro customer id links the accounts job keeps
    accounts: HubLinksOption = HubLinksOption(entity="account")
    pricing: bool = True
    # the Pricebook2 id → Oro price list id links sf.pricebooks keeps, and fixed ones
    # that take precedence
    price_books: HubLinksOption = HubLinksOption(entity=PRICE_LISTS)
    price_lists: dict[str, str] = Field(default_factory=dict)
    # the entity's relationship to the price list (None when it has none: then a price
    # book taken off a contract leaves the old assignment in place)
    price_list_relationship: str | None = "price_list"
    sort_order: int = 1
    merge_allowed: bool = True
    website: str | None = None  # None: Oro's default website
    # the value the disable deletion policy writes to the attribute mapped from Status
    disabled_status: str = "Deleted in Salesforce"

    @model_validator(mode="after")
    def _distinct_fields(self) -> SfContractsOptions:
        taken = {self.salesforce_id_field, self.customer_relationship}
        if self.price_list_relationship is not None:
            taken.add(self.price_list_relationship)
        clash = sorted(taken & set(self.fields))
        if clash:
            raise ValueError(f"fields may not map to {', '.join(clash)}: the flow sets them")
        return self

    def salesforce_fields(self) -> list[str]:
        """The Contract fields the flow reads (and checks before a run)."""
        wanted = [*self.fields.values(), "AccountId"]
        if self.pricing:
            wanted.append("Pricebook2Id")
        return list(dict.fromkeys(wanted))


class HubLinks:
    """Source key → Oro id of one entity's links, read from the hub once per run (the
    streams are built for every run, so a link made since is seen by the next one)."""

    def __init__(self, db: Engine, connection: str, entity: str, fixed: Mapping[str, str]):
        self.db = db
        self.connection = connection
        self.entity = entity
        self.fixed = dict(fixed)
        self._links: dict[str, str] | None = None

    def get(self, key: str) -> str | None:
        if key in self.fixed:
            return self.fixed[key]
        if self._links is None:
            self._links = cross_references(self.db, self.connection, self.entity)
        return self._links.get(key) or self._links.get(key[:15])


def contract_mapper(
    options: SfContractsOptions, accounts: HubLinks, price_books: HubLinks
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The map of the stream: a Contract to ``{attributes, customer, price_list}``.

    Raises :class:`~pimsync.errors.AwaitingParent` when its account (or price book) has
    no Oro counterpart yet: the engine retries it in the next runs, costing no attempt.
    """

    def to_oro(record: dict[str, Any]) -> dict[str, Any]:
        key = str(record["Id"])
        account = record.get("AccountId")
        customer = accounts.get(str(account)) if account else None
        if customer is None:
            raise AwaitingParent(
                key,
                f"its account {account} is not synced to Oro yet (no link under "
                f"{accounts.connection}/{accounts.entity}); retried in the next run",
                field="AccountId",
            )
        price_list = None
        book = record.get("Pricebook2Id") if options.pricing else None
        if book:
            price_list = price_books.get(str(book))
            if price_list is None:
                raise AwaitingParent(
                    key,
                    f"its price book {book} has no Oro price list yet (no link under "
                    f"{price_books.connection}/{price_books.entity}, not in "
                    "options.price_lists); retried in the next run",
                    field="Pricebook2Id",
                )
        attributes = {oro: record.get(sf) for oro, sf in options.fields.items()}
        attributes[options.salesforce_id_field] = key
        return {"attributes": attributes, "customer": customer, "price_list": price_list}

    return to_oro


@dataclass(frozen=True, slots=True)
class _Terms:
    """What a contract grants its customer: a price list (or nothing)."""

    customer: str | None
    price_list: str | None


class ContractWriter:
    """Contracts as records of the custom Oro entity, found by their Salesforce id, and
    the price list assignments they carry."""

    def __init__(self, client: OroClient, options: SfContractsOptions) -> None:
        self.client = client
        self.options = options
        self.type = options.entity_type

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        id_field = self.options.salesforce_id_field
        keys = ",".join(c.key for c in changes)
        found = {
            str(r.attributes.get(id_field)): r
            for r in self.client.list(self.type, {id_field: keys})
        }
        results = []
        for change in changes:
            # The Salesforce id in Oro is the truth: a record removed in Oro is made again.
            current = found.get(change.key)
            try:
                results.append(self._write_one(change, current))
            except OroRejected as exc:
                oro_id = current.id if current is not None else None
                results.append(ItemResult(change.key, oro_id, join_messages(exc.errors)))
        return results

    def _write_one(self, change: Change, current: Resource | None) -> ItemResult:
        old = self._terms(current)
        if change.op is not Op.UPSERT:
            if current is None:
                return ItemResult(change.key, None)
            if change.op is Op.DELETE:
                self.client.delete(self.type, current.id)
            else:
                self._disable(current)
            self._release(old, current.id)
            return ItemResult(change.key, current.id)
        payload = change.payload
        relationships = {
            self.options.customer_relationship: linkage("customers", payload["customer"])
        }
        if self.options.price_list_relationship is not None:
            relationships[self.options.price_list_relationship] = linkage(
                "pricelists", payload["price_list"]
            )
        data = resource_object(
            self.type,
            id_=current.id if current is not None else None,
            attributes=payload["attributes"],
            relationships=relationships,
        )
        if current is None:
            document, _ = self.client.create(self.type, {"data": data})
            oro_id, created = document.one.id, True
        else:
            self.client.update(self.type, current.id, {"data": data})
            oro_id, created = current.id, False
        new = _Terms(payload["customer"], payload["price_list"])
        if old != new:
            self._release(old, oro_id)
        if new.customer is not None and new.price_list is not None:
            self._assign(new.customer, new.price_list)
        return ItemResult(change.key, oro_id, created=created)

    def _disable(self, current: Resource) -> None:
        status = next((oro for oro, sf in self.options.fields.items() if sf == "Status"), None)
        relationships = {}
        if self.options.price_list_relationship is not None:
            relationships[self.options.price_list_relationship] = linkage("pricelists", None)
        attributes = {status: self.options.disabled_status} if status else {}
        if not attributes and not relationships:
            return
        body = resource_object(
            self.type, id_=current.id, attributes=attributes, relationships=relationships
        )
        self.client.update(self.type, current.id, {"data": body})

    def _terms(self, current: Resource | None) -> _Terms:
        """The customer and price list the stored Oro record grants (its relationships)."""
        if current is None or self.options.price_list_relationship is None:
            return _Terms(None, None)
        customers = current.related_ids(self.options.customer_relationship)
        price_lists = current.related_ids(self.options.price_list_relationship)
        return _Terms(
            customers[0][1] if customers else None, price_lists[0][1] if price_lists else None
        )

    # -- pricelisttocustomers --------------------------------------------------------

    def _assignment_filters(self, customer: str, price_list: str) -> dict[str, str]:
        filters = {"customer": customer, "priceList": price_list}
        if self.options.website is not None:
            filters["website"] = self.options.website
        return filters

    def _assign(self, customer: str, price_list: str) -> None:
        """Create the assignment once; keep its sort order and merge flag as configured."""
        wanted = {"sortOrder": self.options.sort_order, "mergeAllowed": self.options.merge_allowed}
        existing = list(
            self.client.list("pricelisttocustomers", self._assignment_filters(customer, price_list))
        )
        if not existing:
            relationships = {
                "customer": linkage("customers", customer),
                "priceList": linkage("pricelists", price_list),
            }
            if self.options.website is not None:
                relationships["website"] = linkage("websites", self.options.website)
            body = resource_object(
                "pricelisttocustomers", attributes=wanted, relationships=relationships
            )
            self.client.create("pricelisttocustomers", {"data": body})
            return
        for row in existing:
            if any(row.attributes.get(name) != value for name, value in wanted.items()):
                body = resource_object("pricelisttocustomers", id_=row.id, attributes=wanted)
                self.client.update("pricelisttocustomers", row.id, {"data": body})

    def _release(self, terms: _Terms, contract_id: str) -> None:
        """Remove the assignment ``terms`` made unless another contract still grants it."""
        relation = self.options.price_list_relationship
        if terms.customer is None or terms.price_list is None or relation is None:
            return
        filters = {self.options.customer_relationship: terms.customer, relation: terms.price_list}
        if any(r.id != contract_id for r in self.client.list(self.type, filters)):
            return
        rows = self.client.list(
            "pricelisttocustomers", self._assignment_filters(terms.customer, terms.price_list)
        )
        for row in list(rows):
            self.client.delete("pricelisttocustomers", row.id)


def _hub_links(
    ctx: Any, option: HubLinksOption, fixed: Mapping[str, str] | None = None
) -> HubLinks:
    return HubLinks(ctx.db, option.connection or ctx.destination.name, option.entity, fixed or {})


def sf_contracts(ctx: Any) -> Sequence[StreamSpec]:
    """The stream of the sf.contracts flow. Raises :class:`ConfigError` for bad options,
    a mapping naming a field Salesforce's Contract lacks, or no state store."""
    from pimsync.runners.flows import get_flow  # flows imports this module

    options: SfContractsOptions = get_flow("sf.contracts").parse_options(
        ctx.job, ctx.config.options
    )
    if ctx.db is None:
        raise ConfigError(f"job {ctx.job!r}: sf.contracts reads the accounts' links from the hub")
    salesforce = connect_salesforce(ctx.source.settings, ctx.source.secrets)
    fields = options.salesforce_fields()
    salesforce.check_fields(SOBJECT, fields, purpose=f"job {ctx.job!r} (sf.contracts)")
    accounts = _hub_links(ctx, options.accounts)
    price_books = _hub_links(ctx, options.price_books, options.price_lists)
    oro = connect_oro(ctx.destination.settings, ctx.destination.secrets)
    return [
        StreamSpec(
            name="contracts",
            source=SObjectSource(salesforce, SOBJECT, fields),
            destination=ContractWriter(oro, options),
            map=contract_mapper(options, accounts, price_books),
            connection=ctx.destination.name,
            entity="contract",
        )
    ]
