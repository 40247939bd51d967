"""Scale-out: a two-node SolrCloud behind HAProxy keeps CKAN's search answering when a node
stops, and several jobs workers share one Redis queue."""
from __future__ import annotations

import subprocess
import time

import pytest

import ckan.plugins.toolkit as tk
import ckan.tests.factories as factories
import satu_factories
from ckan.lib import jobs

from ops_services import VENV_BIN, stop

DATASETS = 6


def _search(sysadmin):
    """What the catalogue page asks: a text query with facets, private datasets included."""
    return tk.get_action("package_search")(
        {"user": sysadmin["name"], "ignore_auth": True},
        {"q": "kependudukan", "facet.field": ["organization", "tags"], "include_private": True})


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_search_keeps_answering_while_a_solr_node_stops(solr_cloud, monkeypatch, ckan_config):
    # CKAN (pysolr) knows one URL: HAProxy's, which health-checks the nodes
    monkeypatch.setitem(ckan_config, "solr_url", solr_cloud.url)
    sysadmin = factories.Sysadmin()
    org = factories.Organization()
    for i in range(DATASETS):
        satu_factories.Dataset(owner_org=org["id"], title=f"Data Kependudukan {i}",
                          tags=[{"name": "kependudukan"}])
    assert _search(sysadmin)["count"] == DATASETS

    first, second = solr_cloud.ports
    answers = []
    for stopped in (first, second):
        solr_cloud.command("stop", stopped)
        # searches while the node goes down and after it is gone
        deadline = time.time() + 60
        while solr_cloud.node_up(stopped) and time.time() < deadline:
            answers.append(_search(sysadmin)["count"])
        assert not solr_cloud.node_up(stopped), "the node did not stop"
        for _ in range(30):
            answers.append(_search(sysadmin)["count"])
        solr_cloud.wait("stopped", stopped)
        if stopped == first:
            # the first node comes back (and recovers) before the second one stops: each replica
            # alone serves the whole collection
            solr_cloud.command("start", stopped)
            solr_cloud.wait("started", stopped)
            for _ in range(10):
                answers.append(_search(sysadmin)["count"])
    assert answers and set(answers) == {DATASETS}


def _workers(queue) -> list:
    from rq import Worker
    return [w for w in Worker.all(connection=queue.connection)
            if queue.name in w.queue_names()]


def test_jobs_are_shared_by_several_workers(base_ini, tmp_path):
    """Two `ckan jobs worker` processes on one Redis queue both take jobs."""
    name = f"ops_scale_{int(time.time())}"
    queue = jobs.get_queue(name)
    log = open(tmp_path / "workers.log", "w")
    workers = [subprocess.Popen([str(VENV_BIN / "ckan"), "-c", base_ini, "jobs", "worker", name],
                                stdout=log, stderr=subprocess.STDOUT) for _ in range(2)]
    try:
        deadline = time.time() + 120
        while len(_workers(queue)) < 2:
            assert time.time() < deadline, f"workers did not register; see {log.name}"
            assert all(w.poll() is None for w in workers), f"a worker exited; see {log.name}"
            time.sleep(0.5)
        names = {w.name for w in _workers(queue)}
        enqueued = [tk.enqueue_job(time.sleep, [1], title=f"sleep {i}", queue=name)
                    for i in range(8)]
        deadline = time.time() + 120
        while not all(job.get_status(refresh=True) == "finished" for job in enqueued):
            assert time.time() < deadline, f"jobs not finished; see {log.name}"
            time.sleep(0.3)
        for job in enqueued:
            job.refresh()
        # each worker took some of the jobs
        assert {job.worker_name for job in enqueued} == names
    finally:
        for w in workers:
            stop(w)
        log.close()
