"""The hub's web app and REST API (`pimsync serve`)."""

from pimsync.web._app import create_app

__all__ = ["create_app"]
