"""Akeneo canonical records → SFCC import records: pure functions, no I/O.

Start with ``mapping = SfccMapping(...).check(metadata)`` (defaults resolved, codes
checked, :class:`~pimsync.errors.ConfigError` otherwise), then map record by record; a
record SFCC cannot take raises :class:`~pimsync.errors.RejectedRecord` with the reason.
The SFCC writers (:mod:`pimsync.connectors.sfcc`) check every text again and reject an
item with a character XML cannot carry, so a file is never invalid.

Decisions, against the cartridge (``../shared/reference/sfcc/TRIGGER.md`` Part B):

* **Ids (B1, B7)** — product-id = identifier, master = root model code, variation group =
  sub-model code, category-id = category code. Custom attributes are
  ``custom_prefix + code`` (``akeneo_`` by default; ``camel_case_ids`` gives the
  cartridge's ``akeneo_releaseDate``). Akeneo codes are ``[A-Za-z0-9_]``, which SFCC's
  ``Definition.ID`` (no whitespace, no ``|``, ≤ 256) accepts; a prefix that breaks the
  rule is a ConfigError, never sanitized (two codes could collide).
* **Locales (B1)** — ``en_US`` → ``en-US``; the default locale (``en_US`` unless set)
  also goes to
  ``x-default``. Non-localizable texts go to ``x-default`` only; a select's option labels
  are sent per locale.
* **System attributes (B1)** — ``system_attributes`` maps display-name, descriptions,
  brand, ean… to Akeneo codes (default ``name`` and ``description``); every other
  attribute but images, prices and assets is a custom attribute.
* **Custom attribute types (B7)** — see :mod:`._definitions`. Differences: textarea is
  ``text`` (wysiwyg is not in the canonical model), number ``int``/``double`` by
  ``decimals_allowed``, metric ``double`` converted to the default unit (the cartridge
  sends text ``"0.2 KILOGRAM"``), tables JSON text. One attribute group per Akeneo group
  instead of the single ``AkeneoAttributes``.
* **Masters (B5)** — ``master-group-variation``: root model → master whose variation
  attributes are the axes of every level with exactly the values its variants take
  (option labels as display values), level-1 sub-models with variants → variation
  groups (values of root and sub-model merged); ``master-variation`` leaves groups out.
  Axes are ``string`` attributes holding the option code (metric: ``"<amount> <unit>"``);
  no ``_custom`` enum twin. A variation attribute's display name is the Akeneo code
  (the metadata has no attribute labels; the cartridge writes ``Akeneo_color``). Image
  groups per value of the first axis come from the sub-model, else from the first
  variant with that value that has images.
* **Images (B9)** — one group per view type (``images``, default every image attribute
  as ``large``); the path is the Akeneo media file code (``a/b/c/d/<sha1>_file.jpg``),
  relative to the catalog's static folder where the jobs writing the catalog store the
  binaries. ``asset_images`` (Enterprise) adds, per asset collection attribute, the
  main media file of each listed asset, as ``assets/<media file code>``.
* **Online (B9)** — from ``enabled``; a master is online when one variant is.
* **Links (B9)** — associations mapped by ``association_links`` become product links;
  product models are linked by code (their master); groups are ignored. Product models'
  recommendations are not generated.
* **Prices (B4)** — ``<currency>-list-prices``, one table per currency with an amount
  (no ``0.0`` for a missing one); models get no price.
* **Categories, assignments (B6, B5)** — a tree root's parent is ``root``; online, with
  ``showInMenu``. Assignments go to the storefront catalog: masters and simple products
  to their categories, variants only to categories their models lack, groups to none;
  ``previous`` categories left give ``mode="delete"`` assignments.
* **Reference entities (B2 jobs 4/5)** — one content asset per record with the record's
  JSON in ``<prefix>entity_<entity>`` (see :mod:`._content`), not one asset per entity.
* **Required (pimsync)** — ``required`` attributes without a value reject the product.
"""

from ._catalog import assignments, category
from ._config import (
    AssetImageView,
    ImageView,
    SfccMapping,
    SystemAttributes,
    custom_id,
    sfcc_locale,
)
from ._content import content_asset, entity_definition
from ._definitions import attribute_definitions, axis_codes
from ._prices import price_tables, pricebooks
from ._products import ASSET_PREFIX, AssetMedia, master, product

__all__ = [
    "ASSET_PREFIX",
    "AssetImageView",
    "AssetMedia",
    "ImageView",
    "SfccMapping",
    "SystemAttributes",
    "assignments",
    "attribute_definitions",
    "axis_codes",
    "category",
    "content_asset",
    "custom_id",
    "entity_definition",
    "master",
    "price_tables",
    "pricebooks",
    "product",
    "sfcc_locale",
]
