"""The production deployment in docker/ is valid as Docker Compose reads it."""
import os
import shutil
import pathlib
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]

COMPOSE = ROOT / "docker" / "docker-compose.yml"


# every secret the compose file requires (docker/.env in production; made-up values here)
SECRETS = {"CKAN_SECRET_KEY": "test-secret-key", "POSTGRES_PASSWORD": "test-superuser-pw",
           "CKAN_DB_PASSWORD": "test-owner-pw", "SOLR_PASSWORD": "test-solr-pw",
           "REDIS_PASSWORD": "test-redis-pw", "CKAN_PPID_DATA_KEY": "test-ppid-data-key",
           "CKAN_DATASTORE_RO_PASSWORD": "test-datastore-ro-pw"}


def compose_config(env: dict, tmp_path: pathlib.Path, quiet: bool = True):
    """`docker-compose config` with exactly `env` (an empty env file, so a developer's docker/.env
    does not count)."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    return subprocess.run(["docker-compose", "-f", str(COMPOSE), "--env-file", str(env_file),
                           "config", *(["-q"] if quiet else [])],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], **env})


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose missing")
def test_compose_file_validates(tmp_path):
    proc = compose_config(SECRETS, tmp_path)
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
    # each secret comes from the environment and is required (${VAR:?message}), never a default
    text = COMPOSE.read_text()
    for name in SECRETS:
        assert "${%s:?" % name in text, name
        assert "${%s:-" % name not in text, name
