"""The ``sfcc`` connection: a Salesforce B2C Commerce instance and how files reach it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, model_validator

from pimsync.errors import ConfigError

__all__ = ["SECRET_FIELDS", "SfccSettings", "check_sfcc"]

SECRET_FIELDS = ("client_secret",)
MB = 1024 * 1024
_SCHEMAS = ("catalog.xsd", "pricebook.xsd", "library.xsd", "metadata.xsd", "xml.xsd")


class SfccSettings(BaseModel):
    """An SFCC instance (secret: ``client_secret``, the Account Manager API client's
    password).

    pimsync writes standard import files, packs them in a site-import archive, uploads
    it over WebDAV and runs the instance's ``sfcc-site-archive-import`` job through
    OCAPI. With ``deliver = false`` it only writes the files into ``output_dir``.

    Images: by default their binaries go into the master catalog's static folder
    (``internal-location``); with ``image_base_url`` (a CDN or DAM serving the Akeneo
    media paths) the catalog points there (``external-location``) and no binary is sent.
    """

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl | None = Field(
        None, description="The instance, e.g. https://xxxx.dx.commercecloud.salesforce.com"
    )
    client_id: str | None = Field(None, min_length=1)
    account_manager_url: HttpUrl = HttpUrl("https://account.demandware.com")
    ocapi_version: str = Field("v25_6", pattern=r"^v\d+_\d+$")
    master_catalog: str = Field("akeneo-master", min_length=1, max_length=256)
    storefront_catalog: str = Field("akeneo-storefront", min_length=1, max_length=256)
    library: str = Field("akeneo-library", min_length=1, max_length=256)
    image_base_url: str | None = Field(
        None,
        max_length=256,
        pattern=r"^https?://\S+$",
        description="Where the images are served (external-location); no binaries are sent",
    )
    deliver: bool = True
    output_dir: Path | None = None
    xsd_folder: Path | None = Field(
        None, description="The SFCC XML schemas (catalog.xsd…); files are validated with them"
    )
    max_file_mb: float = Field(90.0, gt=0, le=1024)
    max_archive_mb: float = Field(190.0, gt=0, le=500)
    keep_archive: bool = False
    poll_seconds: float = Field(3.0, gt=0, le=60)
    import_timeout: float = Field(3600.0, gt=0)
    allow_insecure_http: bool = False
    timeout: float = Field(120.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _where_files_go(self) -> SfccSettings:
        if self.deliver and (self.url is None or self.client_id is None):
            raise ValueError(
                "url and client_id are needed to deliver to the instance; "
                "or set deliver = false and output_dir to only write the files"
            )
        if not self.deliver and self.output_dir is None:
            raise ValueError("deliver = false needs output_dir: the folder to write files into")
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def max_archive_bytes(self) -> int:
        return int(self.max_archive_mb * MB)


def check_sfcc(settings: SfccSettings, secrets: Mapping[str, SecretStr]) -> list[str]:
    """What works: the schema folder, the output folder or the instance (token, WebDAV)."""
    from ._client import SfccClient

    lines = []
    if settings.xsd_folder is not None:
        missing = [n for n in _SCHEMAS if not (settings.xsd_folder / n).is_file()]
        if missing:
            raise ConfigError(
                f"xsd_folder {settings.xsd_folder} lacks {', '.join(missing)}: point it at the "
                "folder holding SFCC's import schemas"
            )
        lines.append(f"XSD folder {settings.xsd_folder}: {', '.join(_SCHEMAS)}")
    if not settings.deliver:
        assert settings.output_dir is not None  # checked by the model
        folder = settings.output_dir
        parent = folder if folder.exists() else folder.parent
        if not os.access(parent, os.W_OK):
            raise ConfigError(f"output_dir {folder}: not writable")
        return [*lines, f"output_dir {folder}: writable (files are not delivered)"]
    secret = secrets.get("client_secret")
    if secret is None or not secret.get_secret_value():
        raise ConfigError("the sfcc connection needs its secret client_secret")
    with SfccClient(settings, secret) as client:
        return [*lines, *client.check()]
