"""The resource types the sandbox serves: fields, relationships, filters, allowed methods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

READ = frozenset({"GET"})
CRUD = frozenset({"GET", "POST", "PATCH", "DELETE"})
READ_ONLY_ATTRIBUTES = frozenset({"createdAt", "updatedAt"})
# Attributes Oro computes; a request may send them and they are ignored.
COMPUTED_ATTRIBUTES = {
    "pricelists": frozenset({"containSchedule", "actual"}),
    "files": frozenset({"filePath"}),
}


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
    # fields Oro computes or locks: sent values are ignored, as Oro ignores read-only ones
    read_only: frozenset[str] = frozenset()
    create_only: frozenset[str] = frozenset()  # written on create, ignored afterwards

    @cached_property
    def ignored_on_create(self) -> frozenset[str]:
        """Fields a create skips (asked for every record written, so computed once)."""
        computed = COMPUTED_ATTRIBUTES.get(self.name, frozenset())
        return READ_ONLY_ATTRIBUTES | computed | self.read_only

    @cached_property
    def ignored_on_update(self) -> frozenset[str]:
        """Fields an update skips: those of a create, and the create-only ones."""
        return self.ignored_on_create | self.create_only

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
    types += customer_types() + order_types() + contract_types()
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


_ADDRESS = frozenset(
    {"street", "street2", "city", "postalCode", "label", "phone", "organization"}
    | {"namePrefix", "firstName", "middleName", "lastName", "nameSuffix"}
    | {"customRegion", "validatedAt"}
)
_PLACE = {"country": Rel("countries"), "region": Rel("regions")}
_OWNERSHIP = {"owner": Rel("users"), "organization": Rel("organizations")}


def _lookup(
    name: str,
    attributes: frozenset[str],
    relationships: Mapping[str, Rel] | None = None,
    filters: frozenset[str] = frozenset({"id"}),
) -> ResourceType:
    """A read-only list a fresh install seeds (countries, statuses...)."""
    return ResourceType(
        name, READ, attributes, relationships or {}, filters=filters, timestamps=False
    )


def customer_types() -> list[ResourceType]:
    """Customers (Salesforce accounts), their users (contacts) and addresses (brief §3.6)."""
    address_filters = frozenset({"id", "country", "region"})
    return [
        ResourceType(
            "customers",
            CRUD,
            frozenset({"name", "externalId"}),
            {
                "parent": Rel("customers"),
                "children": Rel("customers", many=True),
                "group": Rel("customergroups"),
                "users": Rel("customerusers", many=True, owned=True),
                "addresses": Rel("customeraddresses", many=True, owned=True),
                "salesRepresentatives": Rel("users", many=True),
                "internal_rating": Rel("customerratings"),
                "paymentTerm": Rel("paymentterms"),
                **_OWNERSHIP,
            },
            filters=frozenset({"id", "name", "parent", "group", "createdAt", "updatedAt"})
            | frozenset({"externalId"}),
            sorters=frozenset({"id", "name", "createdAt", "updatedAt"}),
            batch=True,
            # children and addresses are linkage Oro fills from the other side
            read_only=frozenset({"children", "addresses", "users"}),
        ),
        ResourceType(
            "customergroups",
            CRUD,
            frozenset({"name"}),
            {"paymentTerm": Rel("paymentterms"), **_OWNERSHIP},
            filters=frozenset({"id", "name"}),
        ),
        ResourceType(
            "customerusers",
            CRUD,
            frozenset({"email", "firstName", "lastName", "namePrefix", "middleName"})
            | frozenset({"nameSuffix", "birthday", "enabled", "confirmed", "password", "isGuest"})
            | frozenset({"externalId", "loginCount", "lastLogin", "passwordChangedAt"})
            | frozenset({"passwordRequestedAt"}),
            {
                "customer": Rel("customers"),
                "userRoles": Rel("customeruserroles", many=True),
                "addresses": Rel("customeruseraddresses", many=True, owned=True),
                "salesRepresentatives": Rel("users", many=True),
                **_OWNERSHIP,
            },
            # no updatedAt filter: the column has no index (brief §1.6, §4.1)
            filters=frozenset({"id", "email", "customer", "externalId"}),
            batch=True,
            read_only=frozenset(
                {"loginCount", "lastLogin", "passwordChangedAt", "passwordRequestedAt"}
                | {"addresses"}
            ),
            create_only=frozenset({"password"}),
        ),
        ResourceType(
            "customeraddresses",
            CRUD,
            _ADDRESS | frozenset({"primary", "types"}),
            {"customer": Rel("customers"), **_PLACE, **_OWNERSHIP},
            filters=address_filters | frozenset({"customer"}),
            batch=True,
            create_only=frozenset({"customer"}),
        ),
        ResourceType(
            "customeruseraddresses",
            CRUD,
            _ADDRESS | frozenset({"primary", "types"}),
            {"customerUser": Rel("customerusers"), **_PLACE, **_OWNERSHIP},
            filters=address_filters | frozenset({"customerUser"}),
            batch=True,
            create_only=frozenset({"customerUser"}),
        ),
        ResourceType(
            "customeruserroles",
            CRUD,
            frozenset({"role", "label", "selfManaged", "public"}),
            {"customer": Rel("customers"), "organization": Rel("organizations")},
            filters=frozenset({"id", "role", "customer"}),
            timestamps=False,
        ),
        ResourceType(
            "paymentterms",
            CRUD,
            frozenset({"label"}),
            filters=frozenset({"id", "label"}),
            timestamps=False,
        ),
        _lookup("customerratings", frozenset({"name", "priority", "default"})),
        _lookup("countries", frozenset({"iso3Code", "name"}), filters=frozenset({"id"})),
        _lookup(
            "regions",
            frozenset({"code", "name"}),
            relationships={"country": Rel("countries")},
            filters=frozenset({"id", "country"}),
        ),
        _lookup("users", frozenset({"username", "email", "firstName", "lastName"})),
        _lookup("organizations", frozenset({"name", "enabled"})),
    ]


ORDER_TOTALS = frozenset(
    {"subtotalValue", "totalValue", "totalDiscountsAmount", "subtotalWithDiscountsValue"}
)


def order_types() -> list[ResourceType]:
    """Orders, their line items and addresses, and the order status lists (brief §3.7)."""
    status = frozenset({"name", "priority", "default"})
    return [
        ResourceType(
            "orders",
            CRUD,
            frozenset({"identifier", "poNumber", "customerNotes", "shipUntil", "currency"})
            | frozenset({"externalId", "external", "shippingMethod", "shippingMethodType"})
            | frozenset({"estimatedShippingCostAmount", "overriddenShippingCostAmount"})
            | ORDER_TOTALS,
            {
                "customer": Rel("customers"),
                "customerUser": Rel("customerusers"),
                "lineItems": Rel("orderlineitems", many=True, owned=True),
                "billingAddress": Rel("orderaddresses", owned=True),
                "shippingAddress": Rel("orderaddresses", owned=True),
                "paymentTerm": Rel("paymentterms"),
                "internalStatus": Rel("orderinternalstatuses"),
                "status": Rel("orderstatuses"),
                "shippingStatus": Rel("ordershippingstatuses"),
                **_OWNERSHIP,
            },
            filters=frozenset({"id", "identifier", "poNumber", "external", "updatedAt"})
            | frozenset({"externalId", "customer", "customerUser", "createdAt"}),
            sorters=frozenset({"id", "updatedAt", "external"}),
            batch=True,
            # "status" is writable only with external status management (off by default)
            read_only=ORDER_TOTALS | frozenset({"internalStatus", "status"}),
            create_only=frozenset({"currency", "external"}),
        ),
        ResourceType(
            "orderlineitems",
            CRUD,
            frozenset({"productSku", "quantity", "value", "currency", "productName"})
            | frozenset({"priceType", "shipBy", "comment", "freeFormProduct"})
            | frozenset({"shippingMethod", "shippingMethodType", "productUnitCode", "checksum"}),
            {
                "orders": Rel("orders", many=True),  # to-many since 6.1 (brief §0)
                "product": Rel("products"),
                "parentProduct": Rel("products"),
                "productUnit": Rel("productunits"),
            },
            filters=frozenset({"id", "createdAt", "updatedAt", "orders", "product"}),
            sorters=frozenset({"id", "createdAt", "updatedAt"}),
            read_only=frozenset({"productUnitCode", "checksum"}),
        ),
        ResourceType(
            "orderaddresses",
            CRUD,
            _ADDRESS,
            {
                **_PLACE,
                "customerAddress": Rel("customeraddresses"),
                "customerUserAddress": Rel("customeruseraddresses"),
            },
            filters=frozenset({"id", "country", "region"}),
        ),
        _lookup("orderinternalstatuses", status),
        _lookup("orderstatuses", status),
        _lookup("ordershippingstatuses", status),
    ]


# The custom contract entity (brief §3.5: Oro has none; an admin creates one, which the
# API lists under "extend" + its name) and the Salesforce id column it is found by.
CONTRACT_TYPE = "extendcontracts"
SALESFORCE_ID = "salesforce_id"
CONTRACT_ATTRIBUTES = frozenset(
    {"contract_number", "status", "start_date", "end_date", "contract_term", "description"}
    | {SALESFORCE_ID}
)


def contract_types() -> list[ResourceType]:
    """The custom contract entity, price list assignments and the websites they name."""
    return [
        ResourceType(
            CONTRACT_TYPE,
            CRUD,
            CONTRACT_ATTRIBUTES,
            {"customer": Rel("customers"), "price_list": Rel("pricelists"), **_OWNERSHIP},
            filters=frozenset({"id", SALESFORCE_ID, "customer", "price_list", "status"})
            | frozenset({"createdAt", "updatedAt"}),
            sorters=frozenset({"id", "createdAt", "updatedAt"}),
        ),
        ResourceType(
            "pricelisttocustomers",
            CRUD,
            frozenset({"sortOrder", "mergeAllowed"}),
            {
                "priceList": Rel("pricelists"),
                "customer": Rel("customers"),
                "website": Rel("websites"),
            },
            filters=frozenset({"id", "customer", "priceList", "website"}),
            timestamps=False,
            create_only=frozenset({"customer"}),
        ),
        _lookup("websites", frozenset({"name", "default"}), filters=frozenset({"id", "name"})),
    ]
