"""CRM records: cross-references, money and canonical bytes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
import pytest

from pimsync.model import (
    Account,
    Address,
    Contact,
    Contract,
    CrmProduct,
    CrmRecord,
    Order,
    OrderLine,
    PriceBook,
    PriceBookEntry,
    to_json,
)

MODIFIED = datetime(2024, 5, 8, 21, 20, tzinfo=UTC)


def _account(**changes: object) -> Account:
    account = Account(
        id="0015g00000AbCdEAAV",
        external_ids={"oro": "42"},
        modified=MODIFIED,
        name="Acme GmbH",
        billing_address=Address(street="1 Main St", city="Rochester", country_code="US"),
        website="https://acme.example",
    )
    return dataclasses.replace(account, **changes)


def test_records_know_their_counterparts():
    account = _account()

    assert account.external_id("oro") == "42"
    assert account.external_id("salesforce") is None
    assert isinstance(account, CrmRecord)


def test_same_account_same_bytes_and_external_id_order_irrelevant():
    one = _account(external_ids={"oro": "42", "erp": "K-1"})
    two = _account(external_ids={"erp": "K-1", "oro": "42"})

    assert to_json(one) == to_json(two)
    assert to_json(one) != to_json(_account(phone="+1 585 555 0100"))


def test_order_money_is_decimal_and_lines_add_up():
    order = Order(
        id="8015g00000XyZaBAAV",
        order_number="00000123",
        account_id="0015g00000AbCdEAAV",
        status="Draft",
        effective_date=date(2024, 5, 8),
        currency="EUR",
        price_book_id="01s5g00000Std00AAA",
        lines=(
            OrderLine(product_key="tee-1", quantity=Decimal(3), unit_price=Decimal("0.10")),
            OrderLine(
                product_key="mug-2",
                quantity=Decimal("1.5"),
                unit_price=Decimal("10.00"),
                total=Decimal("15.00"),
            ),
        ),
        total=Decimal("15.30"),
    )

    assert order.lines[0].amount == Decimal("0.30")  # exact, unlike 3 * 0.1 in floats
    assert order.lines_total == order.total
    decoded = orjson.loads(to_json(order))
    assert decoded["lines"][1]["unit_price"] == "10.00"
    assert decoded["effective_date"] == "2024-05-08"
    assert decoded["modified"] is None


def test_contract_price_book_entry_and_product_hold_their_fields():
    contract = Contract(
        id="8005g000001AbCdAAK",
        account_id="0015g00000AbCdEAAV",
        status="Activated",
        start_date=date(2024, 1, 1),
        term_months=12,
        end_date=date(2024, 12, 31),
    )
    book = PriceBook(id="01s5g00000Std00AAA", name="Standard", is_standard=True)
    entry = PriceBookEntry(
        id="01u5g00000Pbe01AAA",
        price_book_id=book.id,
        product_key="tee-1",
        unit_price=Decimal("19.90"),
        currency="EUR",
    )
    product = CrmProduct(id="01t5g00000Prd01AAA", product_code="tee-1", name="Tee")

    assert contract.term_months == 12
    assert book.active and book.currencies == ()
    assert orjson.loads(to_json(entry))["unit_price"] == "19.90"
    assert product.active


def test_contact_and_address():
    contact = Contact(
        id="0035g00000Cnt01AAA",
        account_id="0015g00000AbCdEAAV",
        first_name="Ada",
        last_name="Cole",
        mailing_address=Address(),
    )

    assert contact.mailing_address is not None
    assert contact.mailing_address.is_empty
    assert not Address(city="Berlin").is_empty


def test_crm_records_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        _account().name = "Other"  # type: ignore[misc]
