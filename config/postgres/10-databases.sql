-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d), as the
-- iop superuser it creates: one database per service, since no service reads another's tables.
CREATE DATABASE intake;
CREATE DATABASE scheduling;
CREATE DATABASE notifications;
CREATE DATABASE outcomes;
