"""The ``sfcc`` connection: a Salesforce B2C Commerce instance and how files reach it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

__all__ = ["SECRET_FIELDS", "SfccSettings"]

SECRET_FIELDS = ("client_secret",)
MB = 1024 * 1024


class SfccSettings(BaseModel):
    """An SFCC instance (secret: ``client_secret``, the Account Manager API client's
    password).

    pimsync writes standard import files, packs them in a site-import archive, uploads
    it over WebDAV and runs the instance's ``sfcc-site-archive-import`` job through
    OCAPI. With ``deliver = false`` it only writes the files into ``output_dir``.
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
