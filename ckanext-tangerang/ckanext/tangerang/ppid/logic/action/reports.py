"""The public register, the statistics and the annual report (UU KIP Ps 12).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.tangerang.ppid import choices, lib
from ckanext.tangerang.ppid.logic import report
from ckanext.tangerang.ppid.model import Objection, Request
from ckanext.tangerang.ppid.logic.action.common import (
    _cached, _iso, _paging, _request_public, _year,
)


# Public register, statistics, annual report -------------------------------------------------

@tk.side_effect_free
def ppid_register_list(context, data_dict):
    """The public register of requests: subject, OPD, dates and outcome; no personal data.

    :param year, opd, outcome: filters; :param limit (max 1000), offset
    """
    tk.check_access("ppid_register_list", context, data_dict)
    q = model.Session.query(Request)
    limit, offset = _paging(data_dict, 50)
    if data_dict.get("year"):
        year = _year(data_dict)
        q = q.filter(Request.received_date >= dt.date(year, 1, 1),
                     Request.received_date < dt.date(year + 1, 1, 1))
    if data_dict.get("opd"):
        q = q.filter(Request.opd == data_dict["opd"])
    if data_dict.get("outcome"):
        q = q.filter(Request.outcome == data_dict["outcome"])
    count = q.order_by(None).count()
    rows = q.order_by(Request.received_date.desc(), Request.number.desc()) \
        .limit(limit).offset(offset).all()
    return {"count": count, "results": [_request_public(r) for r in rows]}


@tk.side_effect_free
def ppid_statistics(context, data_dict):
    """Figures of a year: requests per month and OPD, outcomes, median working days to a
    decision, share decided on time, objections and disputes.

    :param year: default this year
    """
    tk.check_access("ppid_statistics", context, data_dict)
    year = _year(data_dict)
    return _cached("statistics", {"year": year}, lambda: _statistics(year))


def _statistics(year: int) -> dict[str, Any]:
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    s = model.Session
    in_year = sa.and_(Request.received_date >= start, Request.received_date < end)
    month = sa.func.extract("month", Request.received_date)
    per_month = dict(s.query(month, sa.func.count()).filter(in_year).group_by(month).all())
    per_opd = s.query(Request.opd, sa.func.count()).filter(in_year).group_by(Request.opd) \
        .order_by(sa.func.count().desc()).all()
    outcomes = dict(s.query(Request.outcome, sa.func.count())
                    .filter(in_year, Request.outcome.isnot(None)).group_by(Request.outcome).all())
    total, decided, on_time, median = s.query(
        sa.func.count(), sa.func.count(Request.decided_date),
        sa.func.count().filter(Request.on_time.is_(True)),
        sa.func.percentile_cont(0.5).within_group(Request.working_days_taken),
    ).filter(in_year).one()
    objections = s.query(sa.func.count(Objection.id), sa.func.count(Objection.dispute_filed_date)) \
        .filter(Objection.filed_date >= start, Objection.filed_date < end).one()
    return {
        "year": year,
        "total": total,
        "decided": decided,
        "open": total - decided,
        "per_month": [{"month": m, "count": int(per_month.get(m, 0))} for m in range(1, 13)],
        "per_opd": [{"opd": opd, "opd_title": lib.opd_title(opd) if opd else None,
                     "count": count} for opd, count in per_opd],
        "outcomes": {o: int(outcomes.get(o, 0)) for o in choices.OUTCOMES},
        "median_working_days": float(median) if median is not None else None,
        "on_time_share": (on_time / decided) if decided else None,
        "objections": objections[0],
        "disputes": objections[1],
    }


@tk.side_effect_free
def ppid_annual_report(context, data_dict):
    """The annual report of UU KIP Ps 12 for a year: the figures, the reasons for rejection and
    each request's time taken and outcome (no personal data).

    :param year: default this year
    :param include_requests: false leaves out the per-request list (default true)
    """
    tk.check_access("ppid_annual_report", context, data_dict)
    stats = dict(ppid_statistics(context, data_dict))
    year = stats["year"]
    in_year = sa.and_(Request.received_date >= dt.date(year, 1, 1),
                      Request.received_date < dt.date(year + 1, 1, 1))
    ground = sa.func.unnest(sa.func.string_to_array(Request.exemption_ground, ",")) \
        .label("ground")
    grounds = model.Session.query(ground).filter(in_year, Request.exemption_ground.isnot(None)) \
        .subquery()
    stats["rejection_grounds"] = dict(
        model.Session.query(grounds.c.ground, sa.func.count()).group_by(grounds.c.ground)
        .order_by(grounds.c.ground).all())
    if str(data_dict.get("include_requests", True)).lower() in ("false", "0", "no"):
        return stats
    rows = model.Session.query(*report.COLUMNS).filter(in_year) \
        .order_by(Request.received_date, Request.number).all()
    stats["requests"] = [{
        "number": r.number, "opd": r.opd, "received_date": _iso(r.received_date),
        "decided_date": _iso(r.decided_date), "working_days_taken": r.working_days_taken,
        "on_time": r.on_time, "outcome": r.outcome, "exemption_ground": r.exemption_ground,
        "extension_days": r.extension_days, "state": r.state,
    } for r in rows]
    return stats
