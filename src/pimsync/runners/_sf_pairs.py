"""The two-way Salesforce ↔ OroCommerce flows: ``sf.accounts`` (Account ↔ customer with
its billing address) and ``sf.contacts`` (Contact ↔ customer user).

Both build a :class:`~pimsync.jobs.PairSpec`: side A is Salesforce, side B is Oro. Each
side's records are reduced to the same **canonical** form — the options' ``fields`` name
the Salesforce field of each canonical field; Oro's are fixed — so a record pimsync wrote,
read back from the other side, hashes the same and is not synced again.

An address is synced whole or not at all: Oro needs street, city, postal code and
country, so an incomplete Salesforce address counts as none (and Oro's is kept).
Countries and regions are compared as Oro's codes ("DE", "BE"), written to Salesforce
as names ("Germany", "Berlin").
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Engine

from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro._customers import (
    ADDRESS_FIELDS,
    OroCustomer,
    OroCustomerSource,
    OroCustomerUserSource,
    OroCustomerUserWriter,
    OroCustomerWriter,
    Places,
    oro_time,
)
from pimsync.connectors.oro._documents import Resource
from pimsync.connectors.salesforce import connect as connect_salesforce
from pimsync.connectors.salesforce._pair import (
    ORO_ID_FIELD,
    SalesforceRecords,
    SalesforceRecordWriter,
    system_modstamp,
)
from pimsync.errors import AwaitingParent, ConfigError
from pimsync.jobs import PairSpec
from pimsync.jobs._pair import Side
from pimsync.state._store import cross_references

if TYPE_CHECKING:
    from pimsync.connectors.oro import OroClient
    from pimsync.connectors.salesforce import SalesforceClient
    from pimsync.runners.flows import FlowContext

__all__ = [
    "ACCOUNT_FIELDS",
    "CONTACT_FIELDS",
    "SfAccountsOptions",
    "SfContactsOptions",
    "sf_accounts",
    "sf_contacts",
]

ACCOUNT_FIELDS: dict[str, str] = {
    "name": "Name",
    "phone": "Phone",
    "street": "BillingStreet",
    "city": "BillingCity",
    "postal_code": "BillingPostalCode",
    "region": "BillingState",
    "country": "BillingCountry",
}
CONTACT_FIELDS: dict[str, str] = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "email": "Email",
    "account": "AccountId",
}
_COMPLETE_ADDRESS = ("street", "city", "postal_code", "country")


class _PairOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[str, str]
    salesforce_owns: list[str]
    oro_owns: list[str] = Field(default_factory=list)
    # From this many records made in Oro in one run (an initial load), they are created
    # in Salesforce through a Bulk API 2.0 job instead of sObject Collections.
    bulk_threshold: int = Field(2000, ge=1)

    KNOWN: ClassVar[tuple[str, ...]] = ()
    REQUIRED: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _consistent(self) -> _PairOptions:
        unknown = sorted(set(self.fields) - set(self.KNOWN))
        if unknown:
            raise ValueError(
                f"unknown canonical field(s) {', '.join(unknown)} in fields "
                f"(known: {', '.join(self.KNOWN)})"
            )
        absent = [name for name in self.REQUIRED if name not in self.fields]
        if absent:
            raise ValueError(f"fields must map {', '.join(absent)}")
        not_synced = sorted(set(self.salesforce_owns + self.oro_owns) - set(self.fields))
        if not_synced:
            raise ValueError(f"owned field(s) {', '.join(not_synced)} are not in fields")
        both = sorted(set(self.salesforce_owns) & set(self.oro_owns))
        if both:
            raise ValueError(f"field(s) {', '.join(both)} cannot be owned by both sides")
        return self


class SfAccountsOptions(_PairOptions):
    """Options of sf.accounts: ``fields`` maps each canonical field (``name``, ``phone``,
    ``street``, ``city``, ``postal_code``, ``region``, ``country``) to its Account field;
    the sides' ``*_owns`` lists decide those fields in a conflict."""

    fields: dict[str, str] = Field(default_factory=lambda: dict(ACCOUNT_FIELDS))
    salesforce_owns: list[str] = Field(default_factory=lambda: ["name", "phone"])
    KNOWN = tuple(ACCOUNT_FIELDS)
    REQUIRED = ("name",)


class SfContactsOptions(_PairOptions):
    """Options of sf.contacts: ``fields`` maps ``first_name``, ``last_name``, ``email``
    and ``account`` (the lookup to the Account) to Contact fields."""

    fields: dict[str, str] = Field(default_factory=lambda: dict(CONTACT_FIELDS))
    salesforce_owns: list[str] = Field(default_factory=lambda: ["first_name", "last_name"])
    KNOWN = tuple(CONTACT_FIELDS)
    REQUIRED = ("last_name", "account")


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class _AccountForm:
    """The canonical account, from either side's raw fields."""

    def __init__(self, fields: Mapping[str, str], places: Places) -> None:
        self.fields = fields
        self.places = places

    def canonical(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        out = {name: _text(raw.get(name)) for name in self.fields}
        if "country" in out:
            out["country"] = self.places.country_code(out["country"])
        if "region" in out:
            out["region"] = self.places.region_code(out.get("country"), out["region"])
        if not all(out.get(name) for name in _COMPLETE_ADDRESS if name in self.fields):
            out.update((name, None) for name in ADDRESS_FIELDS if name in out)
        return out

    def salesforce(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return self.canonical({name: record.get(field) for name, field in self.fields.items()})

    def oro(self, customer: OroCustomer) -> dict[str, Any]:
        return self.canonical(customer.fields())

    def to_salesforce(self, canonical: Mapping[str, Any]) -> dict[str, Any]:
        values = dict(canonical)
        country = values.get("country")
        if "region" in values:
            values["region"] = self.places.region_name(country, values["region"])
        if "country" in values:
            values["country"] = self.places.country_name(country)
        return {self.fields[name]: value for name, value in values.items() if name in self.fields}


def _oro_id(record: Mapping[str, Any]) -> str | None:
    """The Oro id a Salesforce record holds (set on records pimsync made from Oro)."""
    value = record.get(ORO_ID_FIELD)
    return str(value) if value else None


class AccountLinks:
    """The accounts pair's links (Salesforce account id ↔ Oro customer id), read once."""

    def __init__(self, db: Engine, connection: str) -> None:
        self._db = db
        self._connection = connection

    @cached_property
    def to_oro(self) -> dict[str, str]:
        return cross_references(self._db, self._connection, "account")

    @cached_property
    def to_salesforce(self) -> dict[str, str]:
        return {oro: sf for sf, oro in self.to_oro.items()}

    def customer_of(self, account: str) -> str | None:
        return self.to_oro.get(account)


def _clients(
    ctx: FlowContext, sobject: str, fields: Mapping[str, str]
) -> tuple[SalesforceClient, OroClient]:
    crm = connect_salesforce(ctx.source.settings, ctx.source.secrets)
    crm.check_fields(sobject, list(fields.values()), purpose=f"job {ctx.job!r} ({sobject} fields)")
    shop = connect_oro(ctx.destination.settings, ctx.destination.secrets)
    return crm, shop


def sf_accounts(ctx: FlowContext) -> PairSpec:
    """The sf.accounts pair. Raises :class:`ConfigError` for bad options or a mapping
    naming a field the Account object lacks."""
    from pimsync.runners.flows import FLOWS  # flows imports this module

    options: SfAccountsOptions = FLOWS["sf.accounts"].parse_options(ctx.job, ctx.config.options)
    crm, shop = _clients(ctx, "Account", options.fields)
    form = _AccountForm(options.fields, Places.load(shop))
    salesforce = Side(
        "salesforce",
        SalesforceRecords(crm, "Account", [*options.fields.values(), ORO_ID_FIELD]),
        form.salesforce,
        system_modstamp,
        SalesforceRecordWriter(
            crm,
            "Account",
            form.to_salesforce,
            required=[options.fields["name"]],
            bulk_threshold=options.bulk_threshold,
        ),
        frozenset(options.salesforce_owns),
        partner=_oro_id,
    )
    oro = Side(
        "oro",
        OroCustomerSource(shop),
        form.oro,
        lambda customer: customer.updated_at,
        OroCustomerWriter(shop, form.places),
        frozenset(options.oro_owns),
        partner=lambda customer: customer.customer.attributes.get("externalId"),
    )
    return PairSpec(ctx.job, "account", salesforce, oro, ctx.destination.name)


def sf_contacts(ctx: FlowContext) -> PairSpec:
    """The sf.contacts pair; contacts follow their accounts through the links of the
    sf.accounts job on the same Oro connection. Raises :class:`ConfigError`."""
    from pimsync.runners.flows import FLOWS

    if ctx.db is None:
        raise ConfigError(f"job {ctx.job!r} needs the state store to find the accounts' links")
    options: SfContactsOptions = FLOWS["sf.contacts"].parse_options(ctx.job, ctx.config.options)
    crm, shop = _clients(ctx, "Contact", options.fields)
    fields = options.fields
    links = AccountLinks(ctx.db, ctx.destination.name)

    def from_salesforce(record: Mapping[str, Any]) -> dict[str, Any]:
        return {name: _text(record.get(field)) for name, field in fields.items()}

    def from_oro(user: Resource) -> dict[str, Any]:
        a = user.attributes
        customer = next((i for _t, i in user.related_ids("customer")), None)
        account = None if customer is None else links.to_salesforce.get(customer, f"oro:{customer}")
        raw = {
            "first_name": a.get("firstName"),
            "last_name": a.get("lastName"),
            "email": a.get("email"),
            "account": account,
        }
        return {name: _text(raw[name]) for name in fields}

    def to_salesforce(canonical: Mapping[str, Any]) -> dict[str, Any]:
        account = canonical.get("account")
        values = dict(canonical)
        if isinstance(account, str) and account.startswith("oro:"):
            raise AwaitingParent(
                account,
                f"its Oro customer {account[4:]} is not a synced account yet (run the "
                "accounts job first); the customer user is retried by the next run",
            )
        return {fields[name]: value for name, value in values.items() if name in fields}

    salesforce = Side(
        "salesforce",
        SalesforceRecords(crm, "Contact", [*fields.values(), ORO_ID_FIELD]),
        from_salesforce,
        system_modstamp,
        SalesforceRecordWriter(
            crm,
            "Contact",
            to_salesforce,
            required=[fields["last_name"]],
            bulk_threshold=options.bulk_threshold,
        ),
        frozenset(options.salesforce_owns),
        partner=_oro_id,
    )
    oro = Side(
        "oro",
        OroCustomerUserSource(shop),
        from_oro,
        lambda user: oro_time(user.attributes.get("updatedAt")),
        OroCustomerUserWriter(shop, links.customer_of),
        frozenset(options.oro_owns),
        partner=lambda user: user.attributes.get("externalId"),
    )
    return PairSpec(ctx.job, "contact", salesforce, oro, ctx.destination.name)
