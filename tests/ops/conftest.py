"""Fixtures of the operations tests: each starts its OWN throwaway service (see ops_services)."""
from __future__ import annotations

import pytest

from ops_services import PostgresCluster, RedisServer, SolrCloud, SolrNode


@pytest.fixture
def solr_node(tmp_path):
    node = SolrNode(tmp_path / "solr-home")
    node.start()
    yield node
    node.stop()


@pytest.fixture
def solr_cloud(tmp_path):
    cloud = SolrCloud(tmp_path)
    cloud.start()
    yield cloud
    cloud.close()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_cluster():
    cluster = PostgresCluster()
    cluster.start_new()
    yield cluster
    cluster.destroy()


@pytest.fixture
def base_ini(ckan_config) -> str:
    """The ini this pytest run uses (--ckan-ini), for the processes the tests start."""
    return ckan_config["__file__"]

