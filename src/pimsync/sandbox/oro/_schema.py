"""The resource types the sandbox serves: fields, relationships, filters, allowed methods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

READ = frozenset({"GET"})
CRUD = frozenset({"GET", "POST", "PATCH", "DELETE"})
READ_ONLY_ATTRIBUTES = frozenset({"createdAt", "updatedAt"})


@dataclass(frozen=True)
class Rel:
    """A relationship: its target type; ``owned`` to-many items die when unlinked."""

    target: str
    many: bool = False
    owned: bool = False


@dataclass(frozen=True)
class ResourceType:
    """One JSON:API resource type as Oro configures it in ``api.yml``."""

    name: str
    methods: frozenset[str]
    attributes: frozenset[str] = frozenset()
    relationships: Mapping[str, Rel] = field(default_factory=dict)
    filters: frozenset[str] = frozenset({"id"})
    required_filters: frozenset[str] = frozenset()
    sorters: frozenset[str] = frozenset({"id"})
    client_ids: bool = False  # ids are codes chosen by the client (productunits)
    timestamps: bool = True

    def allow_header(self) -> str:
        return ", ".join(m for m in ("GET", "POST", "PATCH", "DELETE") if m in self.methods)


def _names(target: str = "localizedfallbackvalues") -> Rel:
    return Rel(target, many=True, owned=True)


_LOCALIZED = frozenset({"fallback", "string", "text"})
_LOCALIZATION = {"localization": Rel("localizations")}


def resource_types(*, companion_categories: bool) -> dict[str, ResourceType]:
    """Every type the sandbox knows, keyed by its plural name."""
    types = [
        ResourceType(
            "products",
            CRUD,
            frozenset(
                {"sku", "status", "productType", "featured", "newArrival", "variantFields"}
                | {"category_sort_order"}
            ),
            {
                "names": _names("productnames"),
                "descriptions": _names("productdescriptions"),
                "attributeFamily": Rel("attributefamilies"),
                "primaryUnitPrecision": Rel("productunitprecisions"),
                "unitPrecisions": Rel("productunitprecisions", many=True, owned=True),
                "inventory_status": Rel("prodinventorystatuses"),
                "category": Rel("categories"),
                "brand": Rel("brands"),
                "variantLinks": Rel("productvariantlinks", many=True, owned=True),
            },
            filters=frozenset(
                {"id", "sku", "status", "createdAt", "updatedAt", "attributeFamily", "brand"}
                | {"category"}
            ),
            sorters=frozenset({"id", "sku", "createdAt", "updatedAt"}),
        ),
        ResourceType(
            "productnames",
            frozenset({"GET", "PATCH"}),
            frozenset({"fallback", "string"}),
            {**_LOCALIZATION, "product": Rel("products")},
            filters=frozenset({"id", "product"}),
            timestamps=False,
        ),
        ResourceType(
            "productdescriptions",
            frozenset({"GET", "PATCH"}),
            frozenset({"fallback", "wysiwyg"}),
            {**_LOCALIZATION, "product": Rel("products")},
            filters=frozenset({"id", "product"}),
            timestamps=False,
        ),
        ResourceType(
            "localizedfallbackvalues",
            frozenset({"GET", "POST", "PATCH"}),
            _LOCALIZED,
            _LOCALIZATION,
            timestamps=False,
        ),
        ResourceType(
            "productunitprecisions",
            CRUD,
            frozenset({"precision", "conversionRate", "sell"}),
            {"unit": Rel("productunits"), "product": Rel("products")},
            filters=frozenset({"id", "product"}),
            timestamps=False,
        ),
        ResourceType(
            "productvariantlinks",
            CRUD,
            frozenset({"visible"}),
            {"parentProduct": Rel("products"), "product": Rel("products")},
            filters=frozenset({"id", "parentProduct", "product"}),
            timestamps=False,
        ),
        ResourceType(
            "productunits",
            CRUD,
            frozenset({"defaultPrecision"}),
            client_ids=True,
            timestamps=False,
        ),
        ResourceType(
            "prodinventorystatuses",
            READ,
            frozenset({"name", "priority", "default"}),
            timestamps=False,
        ),
        ResourceType(
            "localizations",
            READ,
            frozenset({"name", "title", "languageCode", "formattingCode", "rtlMode"}),
            {"parentLocalization": Rel("localizations")},
        ),
        ResourceType(
            "attributefamilies",
            frozenset({"GET", "PATCH"}),
            frozenset({"code", "entityClass", "isEnabled"}),
            {"labels": _names()},
        ),
        ResourceType(
            "categories",
            CRUD if companion_categories else READ,
            frozenset({"category_sort_order"}),
            {"titles": _names(), "parentCategory": Rel("categories")},
            filters=frozenset({"id", "createdAt", "updatedAt", "parentCategory"}),
            sorters=frozenset({"id", "createdAt", "updatedAt"}),
        ),
        ResourceType(
            "brands",
            CRUD,
            frozenset({"status", "externalId"}),
            {"names": _names(), "descriptions": _names()},
            filters=frozenset({"id", "externalId", "createdAt", "updatedAt"}),
        ),
        ResourceType(
            "pricelists",
            CRUD,
            frozenset({"name", "priceListCurrencies", "active", "productAssignmentRule"}),
            filters=frozenset({"id", "name", "active"}),
        ),
        ResourceType(
            "productprices",
            CRUD,
            frozenset({"quantity", "currency", "value"}),
            {
                "priceList": Rel("pricelists"),
                "product": Rel("products"),
                "unit": Rel("productunits"),
            },
            filters=frozenset({"id", "priceList", "product"}),
            required_filters=frozenset({"priceList"}),
            timestamps=False,
        ),
    ]
    return {t.name: t for t in types}
