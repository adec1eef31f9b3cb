"""The resource types the sandbox serves: fields, relationships, filters, allowed methods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

READ = frozenset({"GET"})
CRUD = frozenset({"GET", "POST", "PATCH", "DELETE"})
READ_ONLY_ATTRIBUTES = frozenset({"createdAt", "updatedAt"})


@dataclass(frozen=True)
class Rel:
    """A relationship: its target type; ``owned`` items die with their owner or when unlinked."""

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
    listable: bool = True  # GET on the collection (files and asyncoperations have none)
    gettable: bool = True  # GET on one record (entitystructures: "Get action is restricted")
    batch: bool = False  # PATCH on the collection (the batch API, ``update_list``)

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
                "shortDescriptions": _names("productshortdescriptions"),
                "slugPrototypes": _names(),
                "images": Rel("productimages", many=True, owned=True),
            },
            filters=frozenset(
                {"id", "sku", "status", "createdAt", "updatedAt", "attributeFamily", "brand"}
                | {"category"}
            ),
            sorters=frozenset({"id", "sku", "createdAt", "updatedAt"}),
            batch=True,
        ),
        ResourceType(
            "productshortdescriptions",
            frozenset({"GET", "PATCH"}),
            frozenset({"fallback", "text"}),
            {**_LOCALIZATION, "product": Rel("products")},
            filters=frozenset({"id", "product"}),
            timestamps=False,
        ),
        ResourceType(
            "productimages",
            CRUD,
            frozenset(),
            {
                "product": Rel("products"),
                "image": Rel("files", owned=True),
                "types": Rel("productimagetypes", many=True, owned=True),
            },
            filters=frozenset({"id", "product"}),
        ),
        ResourceType(
            "productimagetypes",
            CRUD,
            frozenset({"productImageTypeType"}),
            {"productImage": Rel("productimages")},
            filters=frozenset({"id", "productImage"}),
            timestamps=False,
        ),
        ResourceType(
            "files",
            CRUD,
            frozenset(
                {"mimeType", "originalFilename", "fileSize", "content", "externalUrl"}
                | {"parentFieldName", "filePath"}
            ),
            listable=False,
        ),
        ResourceType(
            "asyncoperations",
            READ,
            frozenset({"status", "progress", "elapsedTime", "entityType", "summary"})
            | frozenset({"hasErrors"}),
            listable=False,
        ),
        ResourceType(
            "entitystructures",
            READ,
            frozenset({"label", "pluralLabel", "alias", "pluralAlias", "className", "icon"})
            | frozenset({"fields", "options", "routes"}),
            gettable=False,
            timestamps=False,
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
            batch=True,
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
            batch=True,
        ),
    ]
    return {t.name: t for t in types}


def enum_option_type(name: str) -> ResourceType:
    """The resource type of a custom enum's options (ids chosen by the client)."""
    return ResourceType(
        name,
        CRUD,
        frozenset({"name", "priority", "default"}),
        client_ids=True,
        timestamps=False,
    )
