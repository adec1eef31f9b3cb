"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:33:33.234839
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import pimsync.state._tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "connections",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("secret_refs", sa.JSON(), nullable=False),
        sa.Column("secrets_encrypted", sa.Text(), nullable=True),
        sa.Column("created_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.Column("updated_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_connections")),
    )
    op.create_table(
        "documents",
        sa.Column("section", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("updated_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("section", "name", name=op.f("pk_documents")),
    )
    op.create_table(
        "failed_items",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("first_failed_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.Column("last_failed_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job", "stream", "source_key", name=op.f("pk_failed_items")),
    )
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("flow", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=True),
        sa.Column("created_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.Column("updated_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_jobs")),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_locks")),
    )
    op.create_table(
        "record_hashes",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("hash", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("seen_run", sa.Integer(), nullable=False),
        sa.Column("updated_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "stream", "source_key", name=op.f("pk_record_hashes")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.Column("finished_at", pimsync.state._tables.UtcDateTime(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_job"), ["job"], unique=False)

    op.create_table(
        "watermarks",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("value", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "stream", name=op.f("pk_watermarks")),
    )
    op.create_table(
        "xrefs",
        sa.Column("connection", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=100), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("dest_key", sa.String(length=255), nullable=False),
        sa.Column("updated_at", pimsync.state._tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("connection", "entity", "source_key", name=op.f("pk_xrefs")),
    )
    op.create_table(
        "run_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_items_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_items")),
    )
    with op.batch_alter_table("run_items", schema=None) as batch_op:
        batch_op.create_index("ix_run_items_run_id_action", ["run_id", "action"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("run_items", schema=None) as batch_op:
        batch_op.drop_index("ix_run_items_run_id_action")

    op.drop_table("run_items")
    op.drop_table("xrefs")
    op.drop_table("watermarks")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_job"))

    op.drop_table("runs")
    op.drop_table("record_hashes")
    op.drop_table("locks")
    op.drop_table("jobs")
    op.drop_table("failed_items")
    op.drop_table("documents")
    op.drop_table("connections")
