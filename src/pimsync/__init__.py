"""pimsync: an integration hub for product data with Akeneo PIM as the source of truth."""

__version__ = "0.1.0"
