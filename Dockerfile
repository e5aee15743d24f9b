# Production image: gunicorn + whitenoise; front-end packages from the npm registry at build.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY crm crm
COPY contacts contacts
COPY sales sales
COPY marketing marketing
COPY support support
COPY analytics analytics
COPY integrations integrations
RUN pip install .
COPY . .
COPY --from=assets /app/node_modules ./node_modules
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v 0 \
    && useradd --system --home /app crm && mkdir -p /app/.data/media && chown -R crm /app/.data
USER crm
EXPOSE 8000
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
