# One image for the four services; docker-compose.yml picks the service with `command:`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    IOP_DATA_DIR=/app/var

WORKDIR /app

# The exact set the suite passed with; its own layer, so code changes do not reinstall it.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

RUN groupadd --system --gid 10001 iop \
    && useradd --system --uid 10001 --gid iop --home-dir /app --no-create-home iop

# Code and configuration stay root-owned and read-only to the service; only var/ is writable
# (SQLite files, when no database URL is given).
COPY config ./config
COPY shared ./shared
COPY services ./services
RUN mkdir -p var && chown iop:iop var

USER iop

EXPOSE 8001 8002 8003 8004
CMD ["nameko", "run", "--config", "config/config.yaml", "services.intake.service:IntakeService"]
