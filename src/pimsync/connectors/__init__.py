"""Connectors to the systems pimsync reads from and writes to.

Akeneo PIM feeds OroCommerce and Salesforce Commerce Cloud; Salesforce CRM and
OroCommerce are synchronised both ways. Every connector talks HTTP
through :mod:`pimsync.connectors.http`, which owns retries, authentication, HTTPS
enforcement, redaction of secrets and pagination.
"""
