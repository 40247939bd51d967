"""Generates a realistic synthetic catalogue of Kota Tangerang through CKAN's own actions.

    .venv/bin/python benchmarks/generate_catalogue.py -c INI --datasets 10000 [--jobs 2] [--seed 7]

Every dataset has CKAN core fields (title, notes, license, maintainer, tags), belongs to one of the
city profile's OPDs (created as organizations when missing), has 1-3 resources and a spatial
extent inside the city's bounding box (the ``spatial`` extra, GeoJSON, read by ckanext-spatial).
The datasets are saved through package_create's bulk path (defer_commit, one commit per 100) and
are not indexed: run ``ckan search-index rebuild`` afterwards (catalogue_bench.py does, and times
it). When the Satu Data schema (ckanext-scheming) is active, ``satudata_fields`` fills its fields too,
from the schema that ``scheming_dataset_schema_show`` returns, so the same script works before and
after the schema lands. Datasets are numbered: a run adds the ones missing, so it can be resumed.
The same seed gives the same catalogue.

With ``--copies-from M`` only datasets 0..M-1 go through package_create; dataset n >= M is a copy,
made in SQL, of dataset n % M with its own id and name (the rows package_create would have written
for it, minus its activity). package_create saves about 25 datasets/s on 2 cores, so 100,000 take
over an hour; the copies take a minute. The benchmark measures serving and indexing, which read
these rows exactly as they read created ones.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
import time
from queue import Empty
from typing import Any

import click

TOPICS = [
    ("Jumlah Penduduk", "kependudukan", "jiwa"), ("Jumlah Puskesmas", "kesehatan", "unit"),
    ("Angka Kelahiran", "kesehatan", "kelahiran"), ("Jumlah Sekolah Dasar", "pendidikan", "unit"),
    ("Jumlah Guru", "pendidikan", "orang"), ("Panjang Jalan", "infrastruktur", "km"),
    ("Volume Sampah", "lingkungan", "ton"), ("Titik Banjir", "kebencanaan", "titik"),
    ("Jumlah UMKM", "ekonomi", "unit"), ("Realisasi Pendapatan Daerah", "keuangan", "rupiah"),
    ("Jumlah Penerima Bantuan Sosial", "sosial", "KK"), ("Ruang Terbuka Hijau", "lingkungan", "ha"),
    ("Jumlah Posyandu", "kesehatan", "unit"), ("Kasus Demam Berdarah", "kesehatan", "kasus"),
    ("Jumlah Kendaraan Bermotor", "perhubungan", "unit"), ("Angka Partisipasi Sekolah", "pendidikan", "persen"),
    ("Jumlah Tenaga Kerja", "ketenagakerjaan", "orang"), ("Luas Lahan Pertanian", "pertanian", "ha"),
    ("Jumlah Wisatawan", "pariwisata", "orang"), ("Kualitas Air Sungai Cisadane", "lingkungan", "indeks"),
]
FORMATS = [("CSV", "text/csv"), ("XLSX", "application/vnd.ms-excel"), ("GeoJSON", "application/geo+json"),
           ("PDF", "application/pdf"), ("JSON", "application/json")]
LICENSES = ["cc-by", "cc-by-sa", "odc-by", "other-open"]
WORDS = ("data statistik rekapitulasi kecamatan kelurahan tahunan semester triwulan laporan dinas "
         "pelayanan publik wilayah penduduk fasilitas anggaran capaian target indikator kinerja "
         "pembangunan kota tangerang akhlakul karimah").split()
# fields the core generator fills; the Satu Data schema's other fields are satudata_fields' part
BATCH = 100  # datasets per database commit
CORE_FIELDS = {"title", "name", "notes", "owner_org", "license_id", "maintainer", "maintainer_email",
               "tag_string", "spatial", "walidata", "url", "version", "author", "author_email"}


def dataset_dict(n: int, seed: int, opds, regions, bbox) -> dict[str, Any]:
    """Dataset number ``n`` (deterministic for a seed): CKAN core fields only."""
    rng = random.Random(seed * 1_000_003 + n)
    title, topic, _unit = rng.choice(TOPICS)
    opd = rng.choice(opds)
    region = rng.choice(regions)
    year = rng.randint(2015, 2025)
    minx, miny, maxx, maxy = bbox
    w, h = rng.uniform(0.005, 0.05), rng.uniform(0.005, 0.05)
    x0, y0 = rng.uniform(minx, maxx - w), rng.uniform(miny, maxy - h)
    ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
    resources = []
    for r in range(rng.randint(1, 3)):
        fmt, mimetype = rng.choice(FORMATS)
        resources.append({
            "name": f"{title} {region.name} {year} ({fmt})",
            "url": f"https://data.tangerangkota.go.id/unduh/{n}/{r}.{fmt.lower()}",
            "format": fmt, "mimetype": mimetype,
            "description": f"Tabel {title.lower()} Kecamatan {region.name} tahun {year}."})
    return {
        "name": f"ds-{n:06d}-{topic}-{year}",
        "title": f"{title} Kecamatan {region.name} Tahun {year}",
        "notes": f"{title} di Kecamatan {region.name}, Kota Tangerang, tahun {year}. {words}.",
        "owner_org": opd.name,
        "license_id": rng.choice(LICENSES),
        "maintainer": opd.title,
        "maintainer_email": opd.email,
        "tags": [{"name": t} for t in {topic, region.name.lower().replace(" ", "-"), str(year),
                                       rng.choice(WORDS)}],
        "extras": [{"key": "spatial", "value": json.dumps({"type": "Polygon", "coordinates": [ring]})}],
        "resources": resources,
    }


def dataset_schema(tk) -> dict[str, Any] | None:
    """The active ckanext-scheming dataset schema, or None before it lands."""
    try:
        return tk.get_action("scheming_dataset_schema_show")({}, {"type": "dataset"})
    except (KeyError, tk.ObjectNotFound):
        return None


def _choices(tk, field: dict[str, Any]) -> list[str]:
    if field.get("choices"):
        return [c["value"] for c in field["choices"]]
    helper = field.get("choices_helper")
    if helper and helper in tk.h:
        return [c["value"] for c in tk.h[helper](field)]
    return []


def satudata_fields(tk, schema: dict[str, Any], data: dict[str, Any], n: int, seed: int) -> dict[str, Any]:
    """Adds the Satu Data schema's own fields to a core dataset dict: values from the fields'
    code lists (choices), years for ``tahun``, short text for the rest. The spatial extent moves
    from the extras to the schema's ``spatial`` field, the tags to ``tag_string``."""
    rng = random.Random(seed * 7_919 + n)
    fields = {f["field_name"]: f for f in schema["dataset_fields"]}
    out = dict(data)
    if "spatial" in fields:
        out["spatial"] = next(e["value"] for e in out.pop("extras") if e["key"] == "spatial")
    if "tag_string" in fields:
        out["tag_string"] = ",".join(t["name"] for t in out.pop("tags"))
    for name, field in fields.items():
        if name in CORE_FIELDS or name in out:
            continue
        choices = _choices(tk, field)
        multiple = field.get("preset") == "multiple_select" or "scheming_load_json" in str(
            field.get("output_validators", ""))
        if choices:
            picked = rng.sample(choices, k=min(len(choices), rng.randint(1, 3))) if multiple \
                else [rng.choice(choices)]
            out[name] = picked if multiple else picked[0]
        elif name == "tahun" or "year" in str(field.get("validators", "")):
            out[name] = data["title"].rsplit(" ", 1)[-1]
        else:
            out[name] = f"{field['field_name'].replace('_', ' ').capitalize()} {rng.choice(WORDS)}"
    # datasets of the benchmark are open data: the access level that publishes them
    if "tingkat_akses" in fields and "terbuka" in _choices(tk, fields["tingkat_akses"]):
        out["tingkat_akses"] = "terbuka"
    return out


def _load(ini: str):
    from ckan.cli import CKANConfigLoader
    from ckan.config.middleware import make_app
    app = make_app(CKANConfigLoader(ini).get_config())
    return app


def _ensure_organizations(tk, user: str, opds) -> None:
    # a fresh context per call: actions keep state in it (e.g. the group they saved)
    existing = set(tk.get_action("organization_list")({"user": user}, {"limit": 1000}))
    for opd in opds:
        if opd.name not in existing:
            tk.get_action("organization_create")({"user": user, "ignore_auth": True},
                                                 {"name": opd.name, "title": opd.title})


def _worker(args) -> tuple[int, list[str]]:
    ini, numbers, seed, queue = args
    app = _load(ini)
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckanext.tangerang import city
    errors = []
    with app._wsgi_app.test_request_context():
        profile = city.current()
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        schema = dataset_schema(tk)
        created = 0
        for i, n in enumerate(numbers, 1):
            data = dataset_dict(n, seed, profile.opds, profile.kecamatan, profile.bbox)
            if schema:
                data = satudata_fields(tk, schema, data, n, seed)
            # CKAN's bulk path: with defer_commit the action validates and saves but neither
            # indexes nor commits; we commit in batches and the caller rebuilds the index
            # (`ckan search-index rebuild`), which is also what the benchmark times
            context = {"user": site_user, "ignore_auth": True, "defer_commit": True,
                       "return_id_only": True}
            try:
                tk.get_action("package_create")(context, data)
                created += 1
            except tk.ValidationError as error:
                model.Session.rollback()
                errors.append(f"{data['name']}: {error.error_dict}")
            if i % BATCH == 0 or i == len(numbers):
                model.repo.commit()
            queue.put(1)
    return created, errors


@click.command()
@click.option("-c", "--config", "ini", required=True, type=click.Path(exists=True),
              help="the portal's ini (database and Solr core to fill)")
@click.option("--datasets", default=10_000, show_default=True, help="size of the catalogue")
@click.option("--jobs", default=2, show_default=True, help="parallel loader processes")
@click.option("--seed", default=7, show_default=True)
@click.option("--copies-from", "sources", type=int, default=None,
              help="create only this many through package_create; the rest are copies of them")
def main(ini: str, datasets: int, jobs: int, seed: int, sources: int | None) -> None:
    """Fills the catalogue up to DATASETS datasets (those already there are kept)."""
    app = _load(os.path.abspath(ini))
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckanext.tangerang import city
    with app._wsgi_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
        profile = city.current()
        _ensure_organizations(tk, site_user, profile.opds)
        existing = {int(name[3:9]) for (name,) in model.Session.query(model.Package.name)
                    .filter(model.Package.name.like("ds-%"))}
        schema = dataset_schema(tk)
        model.Session.remove()
    created_upto = datasets if sources is None else min(sources, datasets)
    todo = [n for n in range(created_upto) if n not in existing]
    click.echo(f"{len(existing)} generated datasets present, {len(todo)} to create "
               f"({'Satu Data schema' if schema else 'CKAN core fields'}; {jobs} processes)")
    if todo:
        create(ini, todo, jobs, seed)
    copies = [n for n in range(created_upto, datasets) if n not in existing]
    if copies:
        with app._wsgi_app.test_request_context():
            copy_datasets(copies, created_upto)


def create(ini: str, todo: list[int], jobs: int, seed: int) -> None:
    started = time.time()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        queue = manager.Queue()
        with ctx.Pool(jobs) as pool:
            result = pool.map_async(_worker, [(os.path.abspath(ini), todo[i::jobs], seed, queue)
                                              for i in range(jobs)])
            with click.progressbar(length=len(todo), label="package_create") as bar:
                done = 0
                while done < len(todo):
                    try:
                        queue.get(timeout=5)
                    except Empty:
                        if result.ready():  # a loader died: result.get() says why
                            break
                        continue
                    done += 1
                    bar.update(1)
            outcome = result.get()
    created = sum(c for c, _ in outcome)
    errors = [e for _, errs in outcome for e in errs]
    elapsed = time.time() - started
    click.echo(f"created {created} datasets in {elapsed:.0f} s ({created / elapsed:.1f}/s)")
    for error in errors[:10]:
        click.echo(f"  invalid: {error}", err=True)
    if errors:
        sys.exit(f"{len(errors)} datasets were rejected")


# every row package_create writes for a dataset, but its activity: (table, column naming the package)
COPIED_ROWS = [("resource", "package_id"), ("package_tag", "package_id"), ("member", "table_id")]


def copy_datasets(numbers: list[int], sources: int) -> None:
    """Dataset n as a copy of dataset n % sources, in SQL, one transaction per 5,000 copies."""
    from ckan import model
    with model.meta.engine.connect() as conn:
        columns = {table: [c for (c,) in conn.exec_driver_sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            f"AND table_name = '{table}' ORDER BY ordinal_position")]
            for table in ["package"] + [t for t, _ in COPIED_ROWS]}

    def insert(table: str, key: str) -> str:
        """Copies the source's rows of `table`, with a new id and `key` naming the copy."""
        rest = [c for c in columns[table] if c not in ("id", key)]
        new_id = "m.id" if table == "package" else "md5(t.id || ':' || m.n)::uuid::text"
        new_key = "m.name" if table == "package" else "m.id"
        source_key = "id" if table == "package" else key
        only_packages = "AND t.table_name = 'package'" if table == "member" else ""
        names = ", ".join(f'"{c}"' for c in rest)
        values = ", ".join(f't."{c}"' for c in rest)
        return (f'INSERT INTO "{table}" (id, "{key}", {names}) SELECT {new_id}, {new_key}, {values} '
                f'FROM copy_map m JOIN "{table}" t ON t."{source_key}" = m.src {only_packages}')

    started = time.time()
    with click.progressbar(length=len(numbers), label="copies") as bar:
        for i in range(0, len(numbers), 5000):
            chunk = numbers[i:i + 5000]
            with model.meta.engine.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE TEMP TABLE copy_map ON COMMIT DROP AS "
                    "SELECT m.n, s.id AS src, md5(s.id || ':' || m.n)::uuid::text AS id, "
                    "'ds-' || lpad(m.n::text, 6, '0') || substr(s.name, 10) AS name "
                    "FROM unnest(%(numbers)s::int[]) AS m(n) JOIN (SELECT substr(name, 4, 6)::int "
                    "AS k, id, name FROM package WHERE name ~ '^ds-[0-9]{6}-') s "
                    "ON s.k = m.n %% %(sources)s",
                    {"numbers": chunk, "sources": sources})
                conn.exec_driver_sql(insert("package", "name"))
                for table, key in COPIED_ROWS:
                    conn.exec_driver_sql(insert(table, key))
            bar.update(len(chunk))
    click.echo(f"copied {len(numbers)} datasets in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
