"""Salesforce CRM (Sales Cloud) over its REST API, for the Salesforce ↔ OroCommerce sync.

* :class:`SalesforceClient` — one org: OAuth (client credentials, JWT bearer, username-
  password) with one re-auth on ``INVALID_SESSION_ID``; SOQL with ``nextRecordsUrl``
  paging; CRUD and upsert by external id (201/200/204, 300 → :class:`RejectedRecord`
  naming the duplicates); sObject Collections (200 per call, ``allOrNone: false``,
  one :class:`SaveResult` per record); getUpdated / getDeleted and ``SystemModstamp``
  delta queries; ``describe`` with a field check that raises :class:`ConfigError`
  before a run; Bulk API 2.0 ingest jobs for large initial loads.
* :class:`ApiUsageTracker` — ``Sforce-Limit-Info`` on every answer; slows down above
  80 % of the daily allocation and stops with :class:`ApiLimitExceeded` at 95 % (also
  raised on ``403 REQUEST_LIMIT_EXCEEDED``, never retried: refused calls count too).
* :class:`SalesforceSettings`, :func:`connect`, :func:`check_salesforce` — the
  ``salesforce`` connection kind.

Why httpx and not simple-salesforce: simple-salesforce (requests + zeep + pyjwt) has no
wrapper for sObject Collections — pimsync's main write path — so those would be raw
``restful`` calls anyway; it hard-codes ``https://`` for the login and instance hosts, so
the loopback HTTP sandbox used by the demo and the integration tests would need TLS
certificates; and it would bypass pimsync's shared HTTP layer
(:mod:`pimsync.connectors.http`): the retry table with ``Retry-After``, secret redaction
in logs and errors, HTTPS enforcement with loopback allowed, the token cache with
refresh-on-401, and ``httpx.MockTransport`` as the test seam. What remains of it —
three token grants, SOQL paging, the upsert status codes, a Bulk 2.0 job loop — is a
few hundred lines here. JWT assertions are signed RS256 with ``cryptography`` (already a
dependency) rather than adding pyjwt.
"""

from ._auth import (
    TOKEN_PATH,
    Grant,
    SalesforceCredentials,
    SalesforceToken,
    SalesforceTokenFetcher,
    default_audience,
    jwt_assertion,
)
from ._bulk import BulkJobResult, BulkOperation
from ._client import API_VERSION, COLLECTION_LIMIT, SalesforceClient, soql_datetime, soql_literal
from ._limits import LIMIT_HEADER, ApiLimitExceeded, ApiUsage, ApiUsageTracker, parse_limit_info
from ._results import (
    DeletedRecord,
    Deletions,
    RecordError,
    SaveResult,
    SObjectDescription,
    Updates,
    UpsertOutcome,
)
from ._settings import SECRET_FIELDS, SalesforceSettings, check_salesforce, connect

__all__ = [
    "API_VERSION",
    "COLLECTION_LIMIT",
    "LIMIT_HEADER",
    "SECRET_FIELDS",
    "TOKEN_PATH",
    "ApiLimitExceeded",
    "ApiUsage",
    "ApiUsageTracker",
    "BulkJobResult",
    "BulkOperation",
    "DeletedRecord",
    "Deletions",
    "Grant",
    "RecordError",
    "SObjectDescription",
    "SalesforceClient",
    "SalesforceCredentials",
    "SalesforceSettings",
    "SalesforceToken",
    "SalesforceTokenFetcher",
    "SaveResult",
    "Updates",
    "UpsertOutcome",
    "check_salesforce",
    "connect",
    "default_audience",
    "jwt_assertion",
    "parse_limit_info",
    "soql_datetime",
    "soql_literal",
]
