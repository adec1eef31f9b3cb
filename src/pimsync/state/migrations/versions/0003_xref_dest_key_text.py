"""cross-references keep destination keys of any length

A destination key may list what the destination holds for a record (e.g. the SFCC
categories a product is assigned to), so it is text, not 255 characters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("xrefs") as batch:
        batch.alter_column(
            "dest_key",
            existing_type=sa.String(length=255),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("xrefs") as batch:
        batch.alter_column(
            "dest_key",
            existing_type=sa.Text(),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
