"""A local stand-in for a Salesforce B2C Commerce (SFCC) instance's import path.

    sb = SfccSandbox(xsd_folder=Path(".../sfcc/xsd"))
    with serve(sb) as base_url:
        ...

It follows TRIGGER.md Part A: an Account Manager token (``POST /dwsso/oauth2/access_token``,
Basic client id:secret, ``grant_type=client_credentials``), WebDAV under
``/on/demandware.servlet/webdav/Sites/`` (PUT with the instance's size limit → 413, GET,
DELETE, PROPFIND, MKCOL; bearer token and WebDAV permissions → 401 otherwise), and OCAPI
``POST /s/-/dw/data/vXX_X/jobs/sfcc-site-archive-import/executions`` +
``GET .../executions/{id}`` that unpack the uploaded site archive, validate each file
(against the XSDs when the sandbox has their folder) and apply it in MERGE mode to
``sb.instance``, which tests and the demo query. See ``_import.py`` for the semantics.
"""

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.sfcc._app import create_app
from pimsync.sandbox.sfcc._auth import ApiClient
from pimsync.sandbox.sfcc._import import ImportFailure
from pimsync.sandbox.sfcc._instance import (
    AttributeDefinition,
    AttributeGroup,
    Category,
    CategoryAssignment,
    ContentAsset,
    Instance,
    Pricebook,
    PriceTable,
    Product,
    Refinement,
)
from pimsync.sandbox.sfcc._sandbox import DEFAULT_SIZE_LIMIT, SfccSandbox
from pimsync.sandbox.sfcc._server import build_server, serve
from pimsync.sandbox.sfcc._webdav import WEBDAV

__all__ = [
    "DEFAULT_SIZE_LIMIT",
    "WEBDAV",
    "ApiClient",
    "AttributeDefinition",
    "AttributeGroup",
    "Category",
    "CategoryAssignment",
    "ContentAsset",
    "Faults",
    "ImportFailure",
    "Instance",
    "PriceTable",
    "Pricebook",
    "Product",
    "Refinement",
    "SfccSandbox",
    "build_server",
    "create_app",
    "serve",
]
