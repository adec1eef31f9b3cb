"""Flows: the job types a project can configure, each building the streams of a job."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.akeneo import AkeneoProductSource, AkeneoSettings, ProductSearch, connect
from pimsync.connectors.files import DirectoryDestination, JsonlProductSource
from pimsync.connectors.kinds import DirectorySettings, JsonlSettings
from pimsync.errors import ConfigError
from pimsync.jobs import PairSpec, StreamSpec
from pimsync.model import Product
from pimsync.runners._oro import (
    OroJobOptions,
    oro_products,
    oro_reference_entities,
    oro_structure,
)
from pimsync.runners._sf_catalog import SF_CATALOG_FLOWS
from pimsync.runners._sf_contracts import SfContractsOptions, sf_contracts
from pimsync.runners._sf_orders import SfOrdersOptions, sf_orders
from pimsync.runners._sf_pairs import SfAccountsOptions, SfContactsOptions, sf_accounts, sf_contacts
from pimsync.runners._sfcc import SFCC_FLOWS, SfccJobOptions


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A connection as a flow sees it: name, kind, validated settings, secret values."""

    name: str
    kind: str
    settings: Any
    secrets: Mapping[str, SecretStr]


@dataclass(frozen=True, slots=True)
class FlowContext:
    """What a flow builds its streams from. ``db`` is the state store (flows read the
    cross-references other jobs keep); ``home`` holds caches such as downloaded media.
    A flow appends to ``notes`` what the run's report should say (e.g. why it does nothing),
    and may set in ``overrides`` the job's ``mode`` (a full-import job always runs full)
    and ``exclusive_group`` (jobs that must never run at the same time)."""

    job: str
    config: JobConfig
    source: Endpoint
    destination: Endpoint
    project: ProjectConfig
    db: Engine | None = None
    home: Path | None = None
    notes: list[str] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Flow:
    """A job type: which connection kinds it joins, its options, how it builds its streams.
    ``after``: the flows whose jobs on the same two connections must run before this
    one's (the records it needs come through them: a contact's account, say)."""

    name: str
    description: str
    source_kinds: tuple[str, ...]
    destination_kinds: tuple[str, ...]
    options: type[BaseModel]
    build: Callable[[FlowContext], Sequence[StreamSpec] | PairSpec]
    after: tuple[str, ...] = ()

    def parse_options(self, job: str, options: Mapping[str, Any]) -> Any:
        """The job's options validated; :class:`ConfigError` names each bad one."""
        try:
            return self.options.model_validate(dict(options))
        except ValidationError as exc:
            subject = f"job {job!r} ({self.name})"
            raise ConfigError.from_validation(exc, subject, prefix="options.") from None


class FilesProductsOptions(BaseModel):
    """Options of the files.products flow."""

    model_config = ConfigDict(extra="forbid")

    locale: str = "en_US"
    scope: str = "ecommerce"
    currencies: list[str] = Field(default_factory=list)
    enabled_only: bool = False


class AkeneoProductsOptions(FilesProductsOptions):
    """Options of the akeneo.products flow: those of files.products, plus filters that
    Akeneo applies itself (``families``; ``enabled_only`` is pushed down too)."""

    families: list[str] = Field(default_factory=list)
    partition_by: Literal["family"] | None = None


def product_document(
    product: Product, *, locale: str, scope: str, currencies: Sequence[str]
) -> dict[str, Any]:
    """A product as a flat JSON document for one locale and channel."""
    prices = {
        price.currency: str(price.amount)
        for price in product.values.prices("price", scope=scope)
        if price.amount is not None and (not currencies or price.currency in currencies)
    }
    return {
        "uuid": product.uuid,
        "sku": product.identifier,
        "family": product.family,
        "parent": product.parent,
        "enabled": product.enabled,
        "categories": sorted(product.categories),
        "name": product.values.get("name", locale=locale, scope=scope),
        "description": product.values.get("description", locale=locale, scope=scope),
        "prices": prices,
    }


def _files_products(ctx: FlowContext) -> Sequence[StreamSpec]:
    source_settings: JsonlSettings = ctx.source.settings
    dest_settings: DirectorySettings = ctx.destination.settings
    options: FilesProductsOptions = FLOWS["files.products"].parse_options(
        ctx.job, ctx.config.options
    )
    locale, scope, enabled_only = options.locale, options.scope, options.enabled_only
    currencies = tuple(options.currencies)

    def to_document(product: Product) -> dict[str, Any]:
        return product_document(product, locale=locale, scope=scope, currencies=currencies)

    def selected(product: Product) -> bool:
        return product.enabled or not enabled_only

    return [
        StreamSpec(
            name="products",
            source=JsonlProductSource(source_settings.path, page_size=source_settings.page_size),
            destination=DirectoryDestination(dest_settings.path),
            map=to_document,
            select=selected,
            connection=ctx.destination.name,
            entity="product",
        )
    ]


def _akeneo_products(ctx: FlowContext) -> Sequence[StreamSpec]:
    source_settings: AkeneoSettings = ctx.source.settings
    dest_settings: DirectorySettings = ctx.destination.settings
    options: AkeneoProductsOptions = FLOWS["akeneo.products"].parse_options(
        ctx.job, ctx.config.options
    )
    locale, scope = options.locale, options.scope
    currencies = tuple(options.currencies)
    search = ProductSearch(
        enabled=True if options.enabled_only else None,
        families=tuple(options.families),
    )

    def to_document(product: Product) -> dict[str, Any]:
        return product_document(product, locale=locale, scope=scope, currencies=currencies)

    source = AkeneoProductSource(
        connect(source_settings, ctx.source.secrets),
        search=search,
        partition_by=options.partition_by,
    )
    return [
        StreamSpec(
            name="products",
            source=source,
            destination=DirectoryDestination(dest_settings.path),
            map=to_document,
            connection=ctx.destination.name,
            entity="product",
        )
    ]


FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        Flow(
            "files.products",
            "products from a JSON Lines file to a folder of JSON documents",
            ("jsonl",),
            ("directory",),
            FilesProductsOptions,
            _files_products,
        ),
        Flow(
            "akeneo.products",
            "products from an Akeneo PIM to a folder of JSON documents",
            ("akeneo",),
            ("directory",),
            AkeneoProductsOptions,
            _akeneo_products,
        ),
        Flow(
            "oro.structure",
            "what Oro needs before products: enum options, price lists, categories, brands",
            ("akeneo",),
            ("oro",),
            OroJobOptions,
            oro_structure,
        ),
        Flow(
            "oro.products",
            "products and product models from an Akeneo PIM to OroCommerce",
            ("akeneo",),
            ("oro",),
            OroJobOptions,
            oro_products,
        ),
        Flow(
            "oro.reference-entities",
            "the brand attribute's options or reference entity records as Oro brands",
            ("akeneo",),
            ("oro",),
            OroJobOptions,
            oro_reference_entities,
        ),
        *(
            Flow(name, description, ("akeneo",), ("sfcc",), SfccJobOptions, build)
            for name, description, build in SFCC_FLOWS
        ),
        *(
            Flow(
                name,
                description,
                ("salesforce",),
                ("oro",),
                options,
                build,
                ("sf.products",) if name == "sf.pricebooks" else (),
            )
            for name, description, options, build in SF_CATALOG_FLOWS
        ),
        Flow(
            "sf.accounts",
            "Salesforce accounts and Oro customers (with billing address), both ways",
            ("salesforce",),
            ("oro",),
            SfAccountsOptions,
            sf_accounts,
        ),
        Flow(
            "sf.contacts",
            "Salesforce contacts and Oro customer users, both ways (after sf.accounts)",
            ("salesforce",),
            ("oro",),
            SfContactsOptions,
            sf_contacts,
            ("sf.accounts",),
        ),
        Flow(
            "sf.orders",
            "Salesforce orders and Oro orders with their line items, both ways (after "
            "sf.accounts and sf.products)",
            ("salesforce",),
            ("oro",),
            SfOrdersOptions,
            sf_orders,
            ("sf.accounts", "sf.products", "sf.pricebooks"),
        ),
        Flow(
            "sf.contracts",
            "Salesforce contracts to a custom Oro entity, with the customer's price list",
            ("salesforce",),
            ("oro",),
            SfContractsOptions,
            sf_contracts,
            ("sf.accounts", "sf.pricebooks"),
        ),
    )
}


def run_order(jobs: Mapping[str, JobConfig], job: str) -> list[str]:
    """The jobs to run for ``job``, in order, ``job`` last: what it ``requires``, and the
    jobs of the flows its flow runs after (:attr:`Flow.after`) on the same source and
    destination; each with its own before it, each once."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order or name in path:
            return  # done, or a cycle through flow order (requires cycles are refused)
        config = jobs[name]
        after = FLOWS[config.flow].after if config.flow in FLOWS else ()
        before = [
            *config.requires,
            *(
                other
                for other, c in sorted(jobs.items())
                if c.flow in after
                and c.source == config.source
                and c.destination == config.destination
            ),
        ]
        for required in before:
            visit(required, (*path, name))
        order.append(name)

    visit(job, ())
    return order


def get_flow(name: str) -> Flow:
    try:
        return FLOWS[name]
    except KeyError:
        raise ConfigError(f"unknown flow {name!r} (known: {', '.join(sorted(FLOWS))})") from None
