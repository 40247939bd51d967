"""The production deployment in docker/ is valid as Docker Compose reads it."""
import shutil
import pathlib
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]

COMPOSE = ROOT / "docker" / "docker-compose.yml"


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose missing")
def test_compose_file_validates():
    proc = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_compose_runs_every_service_the_portal_needs():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert {"web", "worker", "db", "solr", "redis"} <= set(services)
    assert services["db"]["image"].startswith("postgis/postgis:15")
    # web and worker run the same image, so jobs see the same code as the site
    assert services["worker"]["image"] == services["web"]["image"]
    for path in ("docker/Dockerfile", "docker/solr/Dockerfile", "docker/entrypoint.sh",
                 "docker/ckan-docker.ini", "config/solr/ckan/conf/schema.xml"):
        assert (ROOT / path).is_file(), path


def test_no_secret_is_committed_in_the_compose_file():
    text = COMPOSE.read_text()
    assert "CKAN_SECRET_KEY: ${CKAN_SECRET_KEY:-}" in text
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-}" in text
