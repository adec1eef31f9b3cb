"""Two-way sync: each change crosses once, pimsync's own writes never bounce back,
conflicts resolve by field ownership then last writer and are reported, records made on
either side are linked, refusals are retried. Two in-memory systems play the sides."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window
from pimsync.jobs import RunStatus
from pimsync.jobs._pair import PairEngine, PairSpec, Side
from pimsync.jobs._spec import DeletionPolicy
from pimsync.state import _runs

_IDS = itertools.count(1)


class System:
    """One side: records with their own ids and a modification clock. pimsync's writes
    are changes like any other (they move the clock), as in a real system."""

    def __init__(self, name: str, prefix: str) -> None:
        self.name, self.prefix = name, prefix
        self.records: dict[str, dict[str, Any]] = {}
        self.deleted: set[str] = set()
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.writes = 0
        self.refuse: set[str] = set()  # names this system refuses

    def tick(self) -> datetime:
        self.now += timedelta(minutes=5)
        return self.now

    def edit(self, id_: str, **fields: Any) -> None:
        self.records[id_] = {**self.records[id_], **fields, "modified": self.tick()}

    def create(self, **fields: Any) -> str:
        id_ = f"{self.prefix}{next(_IDS)}"
        self.records[id_] = {**fields, "modified": self.tick()}
        return id_

    def remove(self, id_: str) -> None:
        del self.records[id_]
        self.deleted.add(id_)
        self.tick()

    # Source
    def clock(self) -> datetime:
        return self.now

    def partitions(self, since: datetime | None) -> Sequence[None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Any]]]:
        page = [
            SourceRecord(k, dict(r))
            for k, r in self.records.items()
            if window.since is None or r["modified"] > window.since
        ]
        page += [SourceRecord(k, None, deleted=True) for k in self.deleted]
        yield page

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Any]]:
        for k in keys:
            found = self.records.get(k)
            yield SourceRecord(k, dict(found)) if found else SourceRecord(k, None, deleted=True)

    # Destination
    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        self.writes += 1
        results = []
        for change in changes:
            if change.op is Op.DELETE:
                self.records.pop(change.dest_key or "", None)
                results.append(ItemResult(change.key, change.dest_key))
                continue
            fields = dict(change.payload)
            if fields.get("name") in self.refuse:
                results.append(
                    ItemResult(change.key, error=f"{self.name} refuses {fields['name']!r}")
                )
                continue
            if change.dest_key is None:
                new = self.create(**fields)
                results.append(ItemResult(change.key, new, created=True))
            else:
                self.edit(change.dest_key, **fields)
                results.append(ItemResult(change.key, change.dest_key))
        return results


def canonical(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "modified"}


def side(system: System, owns: frozenset[str] = frozenset()) -> Side:
    return Side(system.name, system, canonical, lambda r: r["modified"], system, owns)


@pytest.fixture
def crm() -> System:
    return System("salesforce", "001")


@pytest.fixture
def shop() -> System:
    return System("oro", "")


def job(crm: System, shop: System, **options: Any) -> PairSpec:
    defaults: dict[str, Any] = {"overlap": timedelta(0)}
    return PairSpec(
        "accounts", "account",
        side(crm, frozenset({"phone"})), side(shop, frozenset({"website"})),
        "oro-sf", **{**defaults, **options},
    )  # fmt: skip


def names(system: System) -> dict[str, str]:
    return {r["name"]: k for k, r in system.records.items()}


def test_initial_sync_both_ways_then_no_echo(state_db: Engine, crm: System, shop: System) -> None:
    crm.create(name="Acme", phone="1", website="a.example")
    shop.create(name="Globex", phone="2", website="g.example")
    first = PairEngine(state_db).run(job(crm, shop))
    assert first.status is RunStatus.SUCCEEDED
    assert set(names(crm)) == set(names(shop)) == {"Acme", "Globex"}
    for _ in range(3):  # pimsync's own writes come back as changes: none is synced again
        writes = crm.writes + shop.writes
        report = PairEngine(state_db).run(job(crm, shop))
        assert crm.writes + shop.writes == writes
        assert report.totals().created == report.totals().updated == 0


def test_a_change_on_either_side_arrives_on_the_other_once(
    state_db: Engine, crm: System, shop: System
) -> None:
    crm.create(name="Acme", phone="1", website="a.example")
    PairEngine(state_db).run(job(crm, shop))
    PairEngine(state_db).run(job(crm, shop))
    crm.edit(names(crm)["Acme"], phone="99")
    report = PairEngine(state_db).run(job(crm, shop))
    assert report.streams["account → oro"].updated == 1
    assert shop.records[names(shop)["Acme"]]["phone"] == "99"
    shop.edit(names(shop)["Acme"], website="new.example")
    report = PairEngine(state_db).run(job(crm, shop))
    assert report.streams["account → salesforce"].updated == 1
    assert report.streams["account → oro"].updated == 0
    assert crm.records[names(crm)["Acme"]]["website"] == "new.example"
    writes = crm.writes + shop.writes
    PairEngine(state_db).run(job(crm, shop))
    assert crm.writes + shop.writes == writes


def test_a_conflict_resolves_by_ownership_then_last_writer_and_is_reported(
    state_db: Engine, crm: System, shop: System
) -> None:
    crm.create(name="Acme", phone="1", website="a.example", city="Lyon")
    PairEngine(state_db).run(job(crm, shop))
    PairEngine(state_db).run(job(crm, shop))
    sf_id, oro_id = names(crm)["Acme"], names(shop)["Acme"]
    shop.now = crm.now  # both clocks agree; the CRM edit comes last
    shop.edit(oro_id, phone="shop-phone", website="shop.example", city="Paris")
    crm.now = shop.now
    crm.edit(sf_id, phone="crm-phone", website="crm.example", city="Nice")

    report = PairEngine(state_db).run(job(crm, shop))

    merged = {"name": "Acme", "phone": "crm-phone", "website": "shop.example", "city": "Nice"}
    assert canonical(crm.records[sf_id]) == merged == canonical(shop.records[oro_id])
    with state_db.connect() as conn:
        items = _runs.list_items(conn, report.run_id, "conflict")
    assert len(items) == 1
    assert "phone: salesforce" in (items[0].message or "")  # owned by the CRM
    assert "website: oro" in (items[0].message or "")  # owned by the shop
    assert "city: salesforce" in (items[0].message or "")  # the last modified
    writes = crm.writes + shop.writes
    PairEngine(state_db).run(job(crm, shop))
    assert crm.writes + shop.writes == writes


def test_a_refused_record_is_reported_and_retried(
    state_db: Engine, crm: System, shop: System
) -> None:
    shop.refuse.add("Bad")
    crm.create(name="Bad", phone="1")
    crm.create(name="Good", phone="2")
    report = PairEngine(state_db).run(job(crm, shop))
    assert report.status is RunStatus.PARTIAL
    assert set(names(shop)) == {"Good"}
    with state_db.connect() as conn:
        rejected = _runs.list_items(conn, report.run_id, "rejected")
    assert [i.message for i in rejected] == ["oro refuses 'Bad'"]
    shop.refuse.clear()
    again = PairEngine(state_db).run(job(crm, shop))  # nothing changed in the CRM since
    assert again.status is RunStatus.SUCCEEDED
    assert set(names(shop)) == {"Good", "Bad"}


def test_deletions_follow_the_policy(state_db: Engine, crm: System, shop: System) -> None:
    crm.create(name="Acme", phone="1")
    PairEngine(state_db).run(job(crm, shop, deletion_policy=DeletionPolicy.DELETE))
    crm.remove(names(crm)["Acme"])
    PairEngine(state_db).run(job(crm, shop, deletion_policy=DeletionPolicy.DELETE))
    assert names(shop) == {}
