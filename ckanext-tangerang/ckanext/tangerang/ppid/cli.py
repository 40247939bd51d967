"""``ckan tangerang ppid ...``"""
from __future__ import annotations

import datetime as dt

import click

import ckan.plugins.toolkit as tk


@click.group(short_help="PPID: public-information requests")
def ppid():
    """PPID: public-information requests."""


@ppid.command()
@click.option("--enqueue", is_flag=True, help="Run it as a background job (CKAN's queue).")
def remind(enqueue: bool):
    """Remind officers of due dates, flag overdue requests, lapse uncompleted ones.

    Run it daily, e.g. from cron: ckan -c /etc/ckan/ckan.ini tangerang ppid remind
    """
    from ckanext.tangerang.ppid import jobs

    if enqueue:
        job = tk.enqueue_job(jobs.remind, title="PPID daily reminder")
        click.echo(f"enqueued job {job.id}")
        return
    counts = jobs.remind()
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))


@ppid.command()
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("days", type=int)
def due(start: dt.datetime, days: int):
    """Show the DAYS-th working day after START, with the days off in between."""
    from ckanext.tangerang.ppid import lib

    cal = lib.calendar()
    end = cal.add(start.date(), days)
    for day in cal.days_off(start.date(), end):
        click.echo(f"  off {day.isoformat()}")
    click.echo(end.isoformat())


@ppid.command()
def purge():
    """Erase requesters' personal data and identity files after the retention period."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    result = tk.get_action("ppid_personal_data_purge")(
        {"user": site_user["name"], "ignore_auth": True}, {})
    click.echo(f"purged={result['purged']} asked={result['asked']}")


def _site_context() -> dict:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


@ppid.command()
@click.argument("user")
@click.argument("role", type=click.Choice(["utama", "pelaksana", "atasan"]))
@click.option("--opd", help="OPD (organization name) of a PPID Pelaksana.")
@click.option("--decree", help="Reference of the appointing decree (SK).")
def appoint(user: str, role: str, opd: str | None, decree: str | None):
    """Appoint USER as PPID ROLE (as the site user): e.g. the first PPID Utama of a new portal,
    or the demo's officers. ckan tangerang ppid appoint budi pelaksana --opd dinkes"""
    try:
        result = tk.get_action("ppid_appointment_create")(
            _site_context(), {"user": user, "role": role, "opd": opd, "decree": decree})
    except tk.ValidationError as error:
        for field, messages in error.error_dict.items():
            click.secho(f"{field}: {'; '.join(map(str, messages))}", fg="red", err=True)
        raise SystemExit(1)
    click.echo(f"appointed {result['user_name']} as {role}"
               + (f" of {result['opd']}" if result["opd"] else "") + f" ({result['id']})")


@ppid.command()
def appointments():
    """List the appointed PPID officers."""
    for item in tk.get_action("ppid_appointment_list")(_site_context(), {}):
        click.echo("\t".join([item["id"], item["user_name"] or "?", item["role"],
                              item["opd"] or "-", item["decree"] or ""]))


@ppid.command("rotate-key")
@click.option("--old", "old_keys", multiple=True, metavar="KEY",
              help="An earlier data key to read with (repeatable); those listed in "
                   "ckanext.tangerang.ppid.data_key_previous are read too.")
def rotate_key(old_keys: tuple[str, ...]):
    """Re-encrypt every requester's NIK, phone and address and every stored PPID file with the
    current ckanext.tangerang.ppid.data_key (plain values of before the encryption included).

    To change the key: put the new one in data_key, the old one in data_key_previous (or give
    it with --old), run this, then remove the old one."""
    from ckanext.tangerang.ppid import crypto
    from ckanext.tangerang.ppid.logic import personal

    try:
        crypto.current_key()
        with click.progressbar(length=personal.rotation_size(),
                               label="Re-encrypting PPID personal data") as bar:
            counts = personal.rotate(list(old_keys), bar.update)
    except crypto.KeyError_ as error:
        click.secho(str(error), fg="red", err=True)
        raise SystemExit(1)
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))
