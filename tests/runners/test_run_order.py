"""The order jobs run in with `--chain` and the scheduler: `requires`, then the jobs of
the flows a flow runs after on the same connections."""

from __future__ import annotations

from pimsync.config import JobConfig
from pimsync.runners.flows import run_order


def job(flow: str, destination: str = "shop", requires: list[str] | None = None) -> JobConfig:
    return JobConfig(flow=flow, source="crm", destination=destination, requires=requires or [])


JOBS = {
    "accounts": job("sf.accounts"),
    "contacts": job("sf.contacts"),
    "orders": job("sf.orders"),
    "products": job("sf.products"),
    "prices": job("sf.pricebooks"),
    "contracts": job("sf.contracts"),
    "other-accounts": job("sf.accounts", destination="outlet"),
    "outlet-orders": job("sf.orders", destination="outlet", requires=["contacts"]),
}


def test_contacts_run_after_the_accounts_of_the_same_connections() -> None:
    assert run_order(JOBS, "contacts") == ["accounts", "contacts"]


def test_orders_run_after_accounts_and_the_catalog_with_products_before_prices() -> None:
    order = run_order(JOBS, "orders")
    assert order[-1] == "orders"
    assert sorted(order[:-1]) == ["accounts", "prices", "products"]
    assert order.index("products") < order.index("prices")


def test_other_connections_and_explicit_requires() -> None:
    assert run_order(JOBS, "outlet-orders") == [
        "accounts",
        "contacts",
        "other-accounts",
        "outlet-orders",
    ]
    assert run_order(JOBS, "accounts") == ["accounts"]
    assert run_order({"a": job("files.products")}, "a") == ["a"]
