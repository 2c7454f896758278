# bookable in a container: a small image, run as a non-root user, with a health check.
# Build: docker build -t bookable .    Run: docker run -p 8000:8000 -v bookable-data:/var/lib/bookable bookable
# With PostgreSQL: deploy/compose.yaml. Every setting is a BOOKABLE_* variable (docs/configuration.md).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/bookable && /opt/bookable/bin/pip install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/bookable --create-home bookable
COPY --from=build /opt/bookable /opt/bookable
ENV PATH=/opt/bookable/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BOOKABLE_HOST=0.0.0.0 \
    BOOKABLE_PORT=8000 \
    BOOKABLE_LOG_FORMAT=json \
    BOOKABLE_DATABASE_URL=sqlite:////var/lib/bookable/bookable.db
USER bookable
WORKDIR /var/lib/bookable
VOLUME ["/var/lib/bookable"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BOOKABLE_PORT', '8000'), timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["bookable"]
CMD ["serve"]
