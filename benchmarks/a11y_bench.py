"""Web Disabilitas benchmark: what the accessible theme costs, against stock CKAN, in the same run.

Two portals under gunicorn on the same database: THEMED (the ini's plugins) and STOCK (the same
plugins without tangerang_a11y, i.e. CKAN's own templates and CSS). For each page:
  - page weight in chromium (Debian's, via Playwright): bytes of CSS, JS and fonts received
    (uncompressed transfer on loopback; same for both sides), in the default look and, for the
    themed portal, with the readable font chosen;
  - server render time: median and p90 of N requests, interleaved between the two portals.

    .venv/bin/python benchmarks/a11y_bench.py --ini config/test.ini --requests 40

The database needs a few datasets (the a11y tests seed some; or `ckan tangerang ... demo`).
"""
from __future__ import annotations

import argparse
import configparser
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrapper_ini(base: pathlib.Path, folder: pathlib.Path, name: str, url: str,
                plugins: str | None) -> pathlib.Path:
    parser = configparser.RawConfigParser()
    parser.read(base)
    logging_part = ""
    if not parser.has_section("formatters"):
        text = (ROOT / "config" / "test.ini").read_text(encoding="utf-8")
        logging_part = text[text.index("[loggers]"):]
    lines = ["[app:main]", f"use = config:{base}", f"ckan.site_url = {url}"]
    if plugins is not None:
        lines.append(f"ckan.plugins = {plugins}")
    path = folder / f"{name}.ini"
    path.write_text("\n".join(lines) + "\n\n" + logging_part, encoding="utf-8")
    return path


def start(ini: pathlib.Path, port: int, log: pathlib.Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(pathlib.Path(sys.executable).parent / "gunicorn"), "ckanext.tangerang.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120"],
        env={**os.environ, "CKAN_INI": str(ini)}, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/3/action/status_show", timeout=10).ok:
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    proc.kill()
    sys.exit(f"gunicorn on {ini} did not start; see {log}")


def pages(url: str) -> list[tuple[str, str]]:
    api = f"{url}/api/3/action"
    out = [("home", "/"), ("dataset search", "/dataset/"), ("login", "/user/login")]
    names = requests.get(f"{api}/package_list", timeout=30).json()["result"]
    if names:  # from the database (the search index may be stale after a test run)
        pkg = requests.get(f"{api}/package_show", params={"id": names[0]}, timeout=30).json()["result"]
        out.insert(2, ("dataset", f"/dataset/{pkg['name']}"))
        if pkg.get("resources"):
            out.insert(3, ("resource", f"/dataset/{pkg['name']}/resource/{pkg['resources'][0]['id']}"))
        if pkg.get("organization"):
            out.append(("organization", f"/organization/{pkg['organization']['name']}"))
    return out


def weight(browser, url: str, path: str, cookie: str = "") -> dict[str, int]:
    ctx = browser.new_context()
    if cookie:
        ctx.add_cookies([{"name": "tangerang_a11y", "value": cookie, "url": url}])
    tab = ctx.new_page()
    sizes = {"stylesheet": 0, "script": 0, "font": 0, "document": 0}
    responses = []
    tab.on("response", lambda resp: responses.append(resp))
    tab.goto(url + path, wait_until="networkidle")
    for resp in responses:
        kind = resp.request.resource_type
        if kind in sizes:
            try:
                sizes[kind] += len(resp.body())
            except Exception:  # redirects have no body
                pass
    ctx.close()
    return sizes


def render_times(session: requests.Session, url: str, path: str) -> float:
    start_t = time.perf_counter()
    resp = session.get(url + path, timeout=60)
    elapsed = time.perf_counter() - start_t
    resp.raise_for_status()
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ini", default=str(ROOT / "config" / "test.ini"))
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page and side")
    args = parser.parse_args()
    base = pathlib.Path(args.ini).resolve()
    from ckan.cli import CKANConfigLoader

    plugins = CKANConfigLoader(str(base)).get_config().get("ckan.plugins", "")
    stock_plugins = " ".join(p for p in (plugins or "").split() if p != "tangerang_a11y")

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="a11y-bench-"))
    themed_port, stock_port = free_port(), free_port()
    themed_url, stock_url = f"http://127.0.0.1:{themed_port}", f"http://127.0.0.1:{stock_port}"
    themed = start(wrapper_ini(base, tmp, "themed", themed_url, None), themed_port, tmp / "themed.log")
    stock = start(wrapper_ini(base, tmp, "stock", stock_url, stock_plugins), stock_port, tmp / "stock.log")
    try:
        from playwright.sync_api import sync_playwright

        page_list = pages(themed_url)
        rows = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, path in page_list:
                w_stock = weight(browser, stock_url, path)
                w_theme = weight(browser, themed_url, path)
                w_font = weight(browser, themed_url, path, "font=readable")
                rows.append([name, path, w_stock, w_theme, w_font])
            browser.close()
        s_theme, s_stock = requests.Session(), requests.Session()
        for row in rows:
            path = row[1]
            for _ in range(3):  # warm both: template compilation, caches
                render_times(s_theme, themed_url, path)
                render_times(s_stock, stock_url, path)
            t_theme, t_stock = [], []
            for _ in range(args.requests):
                t_stock.append(render_times(s_stock, stock_url, path))
                t_theme.append(render_times(s_theme, themed_url, path))
            row += [t_stock, t_theme]
    finally:
        for proc in (themed, stock):
            proc.terminate()
            proc.wait(timeout=30)

    kb = lambda n: f"{n / 1024:7.1f}"  # noqa: E731
    p90 = lambda xs: sorted(xs)[int(len(xs) * 0.9) - 1]  # noqa: E731
    print(f"\nWeb Disabilitas theme vs stock CKAN 2.12, same database, same run "
          f"({args.requests} timed requests per page and side, 1 gunicorn worker each)")
    print(f"stock plugins: {stock_plugins}")
    print(f"{'page':<15}{'CSS KiB':>17}{'JS KiB':>17}{'fonts KiB':>22}{'HTML KiB':>17}"
          f"{'render ms median':>24}{'p90':>16}{'delta':>8}")
    print(f"{'':<15}{'stock / theme':>17}{'stock / theme':>17}{'stock/theme/+font':>22}"
          f"{'stock / theme':>17}{'stock / theme':>24}{'stock / theme':>16}{'median':>8}")
    total_s, total_t = [], []
    for name, _path, ws, wt, wf, ts, tt in rows:
        ms, mt = statistics.median(ts), statistics.median(tt)
        total_s += ts
        total_t += tt
        print(f"{name:<15}{kb(ws['stylesheet'])} /{kb(wt['stylesheet'])}"
              f"{kb(ws['script'])} /{kb(wt['script'])}"
              f"{kb(ws['font'])}/{kb(wt['font'])}/{kb(wf['font'])}"
              f"{kb(ws['document'])} /{kb(wt['document'])}"
              f"{ms:15.1f} /{mt:7.1f}{p90(ts):8.1f} /{p90(tt):6.1f}{(mt - ms) / ms * 100:+7.1f}%")
    ms, mt = statistics.median(total_s), statistics.median(total_t)
    print(f"{'all pages':<15}{'':>73}{ms:15.1f} /{mt:7.1f}{'':>16}{(mt - ms) / ms * 100:+7.1f}%")
    print("target: the theme adds under 10% to render time")


if __name__ == "__main__":
    main()
