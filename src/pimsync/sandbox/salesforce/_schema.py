"""The org's sObject types (brief §12): fields, required/create-only/read-only flags,
external ids, key prefixes; 18-character ids; reading and writing field values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.sandbox.salesforce._errors import dml

_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-5]{3})?")

STRINGS = frozenset({"string", "textarea", "email", "url", "phone", "picklist"})
NUMBERS = frozenset({"double", "currency", "int"})


def case_safe(id15: str) -> str:
    """The 18-character form of a 15-character id (brief §0)."""
    suffix = ""
    for start in (0, 5, 10):
        chunk = id15[start : start + 5]
        suffix += _SAFE[sum(1 << i for i, c in enumerate(chunk) if "A" <= c <= "Z")]
    return id15 + suffix


def new_id(prefix: str, number: int) -> str:
    """An 18-character id with ``prefix``: pod ``5g``, then ``number`` in base 62."""
    digits = ""
    while number or len(digits) < 6:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return case_safe(f"{prefix}5g0000{digits[-6:]}")


def normalize_id(value: str) -> str | None:
    """The 18-character id for a 15- or 18-character one; None if it is not an id."""
    return case_safe(value[:15]) if _ID.fullmatch(value) else None


def sf_datetime(value: datetime) -> str:
    """``2024-05-08T21:20:00.000+0000`` (brief §0)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime | None:
    """An ISO-8601 datetime with ``Z``, ``+0000`` or ``+00:00``; None if malformed."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None or "T" not in text:
        return None
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class Field:
    """One field. ``default`` is set on create when the field is absent."""

    name: str
    type: str  # id string textarea email url phone picklist boolean double currency int
    # date datetime reference
    required: bool = False
    read_only: bool = False
    create_only: bool = False
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    length: int | None = None
    reference_to: str | None = None
    default: Any = None
    picklist: tuple[str, ...] = ()
    restricted: bool = False

    @property
    def relationship(self) -> str | None:
        """``Account`` for ``AccountId``; ``Parent__r`` for ``Parent__c``."""
        if self.type != "reference":
            return None
        if self.name.endswith("__c"):
            return self.name[:-3] + "__r"
        return self.name[:-2] if self.name.endswith("Id") else None

    def describe(self) -> dict[str, Any]:
        """The field's entry in ``describe`` (brief §2)."""
        return {
            "name": self.name,
            "label": self.name,
            "type": self.type,
            "length": self.length or 0,
            "nillable": not self.required and self.type != "boolean" and self.name != "Id",
            "createable": not self.read_only,
            "updateable": not self.read_only and not self.create_only,
            "defaultedOnCreate": self.default is not None or self.read_only,
            "externalId": self.external_id,
            "idLookup": self.external_id or self.name == "Id",
            "unique": self.unique,
            "caseSensitive": self.case_sensitive,
            "picklistValues": [
                {"value": v, "label": v, "active": True, "defaultValue": v == self.default}
                for v in self.picklist
            ],
            "restrictedPicklist": self.restricted,
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": self.relationship,
        }

    def from_json(self, value: Any) -> Any:
        """A JSON value as stored. Raises SalesforceError (JSON_PARSER_ERROR, STRING_TOO_LONG,
        INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST)."""
        if value is None:
            return False if self.type == "boolean" else None
        kind = self.type
        if kind == "boolean":
            if isinstance(value, bool):
                return value
        elif kind in NUMBERS:
            if isinstance(value, bool):
                return self._bad(value)
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return self._bad(value)
            if not number.is_finite():
                return self._bad(value)
            return int(number) if kind == "int" else number
        elif kind == "date":
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
        elif kind == "datetime":
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed is not None:
                return parsed
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            return self._text(str(value))
        return self._bad(value)

    def from_csv(self, text: str) -> Any:
        """A Bulk API CSV cell as stored (``#N/A`` is null; empty means "not set")."""
        if text == "#N/A":
            return self.from_json(None)
        if self.type == "boolean":
            lowered = text.strip().lower()
            if lowered in ("true", "1", "yes"):
                return True
            if lowered in ("false", "0", "no"):
                return False
            return self._bad(text)
        return self.from_json(text)

    def _text(self, value: str) -> str:
        if self.length is not None and len(value) > self.length:
            raise dml(
                "STRING_TOO_LONG",
                f"{self.name}: data value too large: {value[:40]} (max length={self.length})",
                self.name,
            )
        if self.restricted and value not in self.picklist:
            raise dml(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{self.name}: bad value for restricted picklist field: {value}",
                self.name,
            )
        return value

    def _bad(self, value: Any) -> Any:
        raise dml(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {self.type} from value {value!r} "
            f"or request may be missing a required field ({self.name})",
        )


def to_json(value: Any) -> Any:
    """A stored value as Salesforce writes it in JSON."""
    if isinstance(value, datetime):
        return sf_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def to_csv(value: Any) -> str:
    """A stored value as a Bulk API result cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(to_json(value))


@dataclass
class SObjectType:
    """One sObject type: key prefix and fields by name (case-insensitive lookup)."""

    name: str
    key_prefix: str
    fields: dict[str, Field] = field(default_factory=dict)
    _lower: dict[str, str] = field(default_factory=dict)

    def add(self, f: Field) -> None:
        self.fields[f.name] = f
        self._lower[f.name.lower()] = f.name

    def field(self, name: str) -> Field | None:
        canonical = self._lower.get(name.lower())
        return None if canonical is None else self.fields[canonical]

    def relationship(self, name: str) -> Field | None:
        """The reference field whose relationship name is ``name`` (``Account``)."""
        lowered = name.lower()
        for f in self.fields.values():
            if f.relationship is not None and f.relationship.lower() == lowered:
                return f
        return None

    def external_ids(self) -> list[Field]:
        return [f for f in self.fields.values() if f.external_id]

    def describe(self, base: str) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.name,
            "keyPrefix": self.key_prefix,
            "createable": True,
            "updateable": True,
            "deletable": True,
            "queryable": True,
            "replicateable": True,
            "urls": {"sobject": f"{base}/sobjects/{self.name}"},
        }


def _system(currencies: tuple[str, ...]) -> list[Field]:
    fields = [
        Field("Id", "id", read_only=True, length=18),
        Field("IsDeleted", "boolean", read_only=True, default=False),
        Field("CreatedDate", "datetime", read_only=True),
        Field("CreatedById", "reference", read_only=True, reference_to="User"),
        Field("LastModifiedDate", "datetime", read_only=True),
        Field("LastModifiedById", "reference", read_only=True, reference_to="User"),
        Field("SystemModstamp", "datetime", read_only=True),
    ]
    if currencies:  # a multi-currency org (brief §12)
        fields.append(
            Field(
                "CurrencyIsoCode",
                "picklist",
                length=3,
                default=currencies[0],
                picklist=currencies,
                restricted=True,
            )
        )
    return fields


def _ref(name: str, to: str, **flags: Any) -> Field:
    return Field(name, "reference", length=18, reference_to=to, **flags)


def _s(name: str, length: int = 255, **flags: Any) -> Field:
    return Field(name, "string", length=length, **flags)


def _address(prefix: str) -> list[Field]:
    return [
        Field(f"{prefix}Street", "textarea", length=255),
        _s(f"{prefix}City", 40),
        _s(f"{prefix}State", 80),
        _s(f"{prefix}PostalCode", 20),
        _s(f"{prefix}Country", 80),
    ]


ORO_ID = _s("Oro_Id__c", external_id=True)  # not unique: duplicates make upserts answer 300
PIMSYNC_ID = _s("Pimsync_Id__c", external_id=True, unique=True)
ORDER_STATUSES = ("Draft", "Activated")
CONTRACT_STATUSES = ("Draft", "In Approval Process", "Activated", "Terminated", "Expired")
CONTRACT_STATUS_CODES = {
    "Draft": "Draft",
    "In Approval Process": "InApproval",
    "Activated": "Activated",
    "Terminated": "Terminated",
    "Expired": "Expired",
}


def build_schema(currencies: tuple[str, ...] = ()) -> dict[str, SObjectType]:
    """The sObject types of a sandbox org, by name."""
    specs: dict[str, tuple[str, list[Field]]] = {
        "User": (
            "005",
            [
                _s("Username", 80),
                _s("Name", 121),
                Field("IsActive", "boolean", default=True),
                Field("Email", "email", length=80),
            ],
        ),
        "Account": (
            "001",
            [
                _s("Name", required=True),
                _s("AccountNumber", 40),
                Field(
                    "Type",
                    "picklist",
                    length=255,
                    picklist=(
                        "Prospect",
                        "Customer - Direct",
                        "Customer - Channel",
                        "Partner",
                        "Other",
                    ),
                ),
                Field("Industry", "picklist", length=255),
                Field("Phone", "phone", length=40),
                Field("Fax", "phone", length=40),
                Field("Website", "url", length=255),
                Field("Description", "textarea", length=32000),
                *_address("Billing"),
                *_address("Shipping"),
                _ref("ParentId", "Account"),
                _ref("OwnerId", "User"),
                Field("NumberOfEmployees", "int"),
                Field("AnnualRevenue", "currency"),
                ORO_ID,
                PIMSYNC_ID,
            ],
        ),
        "Contact": (
            "003",
            [
                _s("LastName", 80, required=True),
                _s("FirstName", 40),
                _s("Name", 121, read_only=True),
                Field("Salutation", "picklist", length=40, picklist=("Mr.", "Ms.", "Mrs.", "Dr.")),
                Field("Email", "email", length=80),
                Field("Phone", "phone", length=40),
                Field("MobilePhone", "phone", length=40),
                _s("Title", 128),
                _s("Department", 80),
                _ref("AccountId", "Account"),
                *_address("Mailing"),
                Field("Birthdate", "date"),
                _ref("OwnerId", "User"),
                ORO_ID,
                PIMSYNC_ID,
            ],
        ),
        "Product2": (
            "01t",
            [
                _s("Name", required=True),
                _s("ProductCode"),
                Field("Description", "textarea", length=4000),
                Field("IsActive", "boolean", default=False),
                Field("Family", "picklist", length=255),
                _s("StockKeepingUnit", 180),
                Field("QuantityUnitOfMeasure", "picklist", length=255),
                Field("DisplayUrl", "url", length=1000),
                _s("ExternalId"),
                Field("IsArchived", "boolean", read_only=True, default=False),
                PIMSYNC_ID,
            ],
        ),
        "Pricebook2": (
            "01s",
            [
                _s("Name", required=True),
                Field("IsActive", "boolean", default=False),
                Field("IsStandard", "boolean", read_only=True, default=False),
                Field("Description", "textarea", length=255),
                Field("IsArchived", "boolean", read_only=True, default=False),
                PIMSYNC_ID,
            ],
        ),
        "PricebookEntry": (
            "01u",
            [
                _ref("Pricebook2Id", "Pricebook2", required=True, create_only=True),
                _ref("Product2Id", "Product2", required=True, create_only=True),
                Field("UnitPrice", "currency", required=True),
                Field("IsActive", "boolean", default=False),
                Field("UseStandardPrice", "boolean", default=False),
                _s("Name", read_only=True),
                _s("ProductCode", read_only=True),
                PIMSYNC_ID,
            ],
        ),
        "Contract": (
            "800",
            [
                _ref("AccountId", "Account", required=True),
                Field(
                    "Status",
                    "picklist",
                    length=40,
                    default="Draft",
                    picklist=CONTRACT_STATUSES,
                    restricted=True,
                ),
                _s("StatusCode", 40, read_only=True),
                Field("StartDate", "date"),
                Field("ContractTerm", "int"),
                Field("EndDate", "date", read_only=True),
                _ref("Pricebook2Id", "Pricebook2"),
                _s("ContractNumber", 30, read_only=True),
                Field("SpecialTerms", "textarea", length=4000),
                Field("Description", "textarea", length=32000),
                *_address("Billing"),
                _ref("OwnerId", "User"),
                Field("ActivatedDate", "datetime", read_only=True),
                _ref("ActivatedById", "User", read_only=True),
                PIMSYNC_ID,
            ],
        ),
        "Order": (
            "801",
            [
                _ref("AccountId", "Account", required=True),
                Field("EffectiveDate", "date", required=True),
                Field(
                    "Status",
                    "picklist",
                    length=40,
                    default="Draft",
                    picklist=ORDER_STATUSES,
                    restricted=True,
                ),
                _s("StatusCode", 40, read_only=True),
                _ref("Pricebook2Id", "Pricebook2"),
                _ref("ContractId", "Contract"),
                _ref("BillToContactId", "Contact"),
                _ref("ShipToContactId", "Contact"),
                _s("OrderNumber", 30, read_only=True),
                Field("TotalAmount", "currency", read_only=True, default=Decimal(0)),
                Field("Type", "picklist", length=255),
                _s("Name", 80),
                Field("Description", "textarea", length=32000),
                _s("PoNumber", 80),
                Field("PoDate", "date"),
                Field("EndDate", "date"),
                *_address("Billing"),
                *_address("Shipping"),
                _ref("OwnerId", "User"),
                Field("ActivatedDate", "datetime", read_only=True),
                _ref("ActivatedById", "User", read_only=True),
                ORO_ID,
                PIMSYNC_ID,
            ],
        ),
        "OrderItem": (
            "802",
            [
                _ref("OrderId", "Order", required=True, create_only=True),
                _ref("PricebookEntryId", "PricebookEntry", required=True, create_only=True),
                Field("Quantity", "double", required=True),
                Field("UnitPrice", "currency", required=True),
                Field("ListPrice", "currency", read_only=True),
                Field("TotalPrice", "currency", read_only=True),
                _ref("Product2Id", "Product2", read_only=True),
                Field("ServiceDate", "date"),
                Field("EndDate", "date"),
                _s("Description"),
                _s("OrderItemNumber", 30, read_only=True),
                ORO_ID,
                PIMSYNC_ID,
            ],
        ),
    }
    types: dict[str, SObjectType] = {}
    for name, (prefix, fields) in specs.items():
        sobject = SObjectType(name, prefix)
        for f in [*_system(currencies), *fields]:
            sobject.add(f)
        types[name] = sobject
    return types
