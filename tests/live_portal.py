"""The portal under gunicorn (as in production) on a free loopback port, for the tests that need
a real HTTP server and for the benchmarks. One place, so that every fixture serves the ini the
run was given (``--ckan-ini``) with the server's own site URL and logging sections."""
from __future__ import annotations

import configparser
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = pathlib.Path(sys.executable).parent
LOG_DIR = ROOT / "var" / "log"


class ServiceError(RuntimeError):
    """A throwaway service did not come up (the message names its log)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str, proc: subprocess.Popen | None = None, log=None):
    deadline = time.time() + timeout
    while True:
        try:
            if check():
                return
        except (requests.RequestException, OSError):  # not listening yet, or still loading
            pass
        if proc is not None and proc.poll() is not None:
            raise ServiceError(f"{what}: the process exited ({proc.returncode}); see {log}")
        if time.time() > deadline:
            raise ServiceError(f"{what}: no answer after {timeout}s; see {log}")
        time.sleep(0.3)


def http_ok(url: str, timeout: float = 3) -> bool:
    return requests.get(url, timeout=timeout).ok


def stop(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def write_ini(path: pathlib.Path, base_ini: str | os.PathLike, **options: str) -> pathlib.Path:
    """An ini that builds on `base_ini` (the one pytest runs with) and overrides `options`."""
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser["app:main"] = {"use": f"config:{pathlib.Path(base_ini).resolve()}", **options}
    # gunicorn's wsgi module configures logging from the ini it is given
    parser["loggers"] = {"keys": "root"}
    parser["handlers"] = {"keys": "console"}
    parser["formatters"] = {"keys": "generic"}
    parser["logger_root"] = {"level": "WARNING", "handlers": "console"}
    parser["handler_console"] = {"class": "StreamHandler", "args": "(sys.stderr,)",
                                 "level": "NOTSET", "formatter": "generic"}
    # logging reads formatters raw: single % signs
    parser["formatter_generic"] = {"format": "%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s"}
    with open(path, "w") as f:
        parser.write(f)
    return path


class Portal:
    """gunicorn serving `ini`. Use `Portal.serving()` to build the ini on the run's own, with
    this server's site URL (login and other redirects stay on it)."""

    def __init__(self, ini: pathlib.Path, workers: int = 2, name: str = "portal",
                 port: int | None = None, timeout: int = 60):
        self.ini, self.workers, self.timeout = ini, workers, timeout
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = LOG_DIR / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @classmethod
    def serving(cls, base_ini, folder: pathlib.Path, workers: int = 2, name: str = "portal",
                timeout: int = 60, **options: str) -> "Portal":
        port = free_port()
        ini = write_ini(folder / f"{name}-{port}.ini", base_ini,
                        **{"ckan.site_url": f"http://127.0.0.1:{port}", **options})
        return cls(ini, workers=workers, name=name, port=port, timeout=timeout)

    def start(self) -> "Portal":
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        # the ini decides everything: no CKAN_* variable of the calling shell overrides it
        env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "ckanext.tangerang.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--timeout", str(self.timeout)],
            env={**env, "CKAN_INI": str(self.ini)}, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: http_ok(f"{self.url}/api/3/action/status_show", timeout=15), 120,
                       f"portal on :{self.port}", self.proc, self.log_path)
        except ServiceError:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self.proc is not None:
            stop(self.proc)
        self.log.close()

    def __enter__(self) -> "Portal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
