-- The Prefect server's own database, next to pimsync's state store (database "pimsync").
CREATE DATABASE prefect OWNER pimsync;
