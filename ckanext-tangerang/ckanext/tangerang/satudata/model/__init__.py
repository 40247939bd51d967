"""Tables of Satu Data: the Walidata review history, resource download counts and the loads of
tabular resources into the DataStore."""
from __future__ import annotations

import datetime

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, UnicodeText
from sqlalchemy.dialects.postgresql import JSONB

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.model.types import make_uuid

# review statuses, stored as these codes
SUBMITTED = "submitted"
APPROVED = "approved"
RETURNED = "returned"
STATUSES = (SUBMITTED, APPROVED, RETURNED)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Review(tk.BaseModel):
    """One step of a dataset's review: submitted by the OPD, approved or returned by the Walidata."""

    __tablename__ = "tangerang_satudata_review"
    __table_args__ = (Index("tangerang_satudata_review_package_id_idx", "package_id"),)

    id = Column(UnicodeText, primary_key=True, default=make_uuid)
    package_id = Column(UnicodeText, ForeignKey("package.id", ondelete="CASCADE"),
                        nullable=False)
    status = Column(UnicodeText, nullable=False)
    reason = Column(UnicodeText)
    user_id = Column(UnicodeText, ForeignKey("user.id"), nullable=False)
    created = Column(DateTime, nullable=False, default=_now)


class Download(tk.BaseModel):
    """How often a resource's file was downloaded from the portal."""

    __tablename__ = "tangerang_satudata_download"

    resource_id = Column(UnicodeText, ForeignKey("resource.id", ondelete="CASCADE"),
                         primary_key=True)
    count = Column(Integer, nullable=False, default=0)


# table load statuses
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


class TableLoad(tk.BaseModel):
    """One load of a tabular resource into the DataStore (satudata/tables/load.py): its progress
    for the resource page, and its report or error (msgids with their values)."""

    __tablename__ = "tangerang_satudata_table_load"
    __table_args__ = (Index("tangerang_satudata_table_load_resource_idx", "resource_id", "created"),)

    id = Column(UnicodeText, primary_key=True, default=make_uuid)
    resource_id = Column(UnicodeText, ForeignKey("resource.id", ondelete="CASCADE"), nullable=False)
    status = Column(UnicodeText, nullable=False, default=QUEUED)
    step = Column(UnicodeText)
    sheet = Column(UnicodeText)
    bytes_read = Column(BigInteger, nullable=False, default=0)
    bytes_total = Column(BigInteger)
    rows = Column(BigInteger)
    error = Column(JSONB)
    report = Column(JSONB)
    created = Column(DateTime, nullable=False, default=_now)
    finished = Column(DateTime)

    def as_dict(self) -> dict[str, Any]:
        return {c.name: (v.isoformat() if isinstance(v := getattr(self, c.name), datetime.datetime) else v)
                for c in self.__table__.columns}


def create_load(resource_id: str, sheet: str | None = None) -> dict[str, Any]:
    load = TableLoad(resource_id=resource_id, sheet=sheet or None)
    model.Session.add(load)
    model.Session.commit()
    return load.as_dict()


def update_load(load_id: str, **fields: Any) -> None:
    if fields.get("status") in (DONE, FAILED):
        fields.setdefault("finished", _now())
    model.Session.query(TableLoad).filter(TableLoad.id == load_id).update(fields)
    model.Session.commit()


def get_load(load_id: str) -> dict[str, Any] | None:
    load = model.Session.get(TableLoad, load_id)
    return load.as_dict() if load else None


def latest_load(resource_id: str) -> dict[str, Any] | None:
    load = (model.Session.query(TableLoad).filter(TableLoad.resource_id == resource_id)
            .order_by(TableLoad.created.desc()).first())
    return load.as_dict() if load else None


class Standard(tk.BaseModel):
    """A data standard (Standar Data) published by the Walidata: a Frictionless Table Schema that
    resources are checked against when they load (satudata/tables/standard.py)."""

    __tablename__ = "tangerang_satudata_standard"

    id = Column(UnicodeText, primary_key=True, default=make_uuid)
    name = Column(UnicodeText, nullable=False, unique=True)
    title = Column(UnicodeText, nullable=False)
    description = Column(UnicodeText)
    table_schema = Column(JSONB, nullable=False)
    creator_user_id = Column(UnicodeText, ForeignKey("user.id"))
    created = Column(DateTime, nullable=False, default=_now)
    modified = Column(DateTime, nullable=False, default=_now)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "title": self.title,
                "description": self.description or "", "schema": self.table_schema,
                "created": self.created.isoformat(), "modified": self.modified.isoformat()}


def standards() -> list[dict[str, Any]]:
    return [s.as_dict() for s in model.Session.query(Standard).order_by(Standard.title)]


def get_standard(name_or_id: str) -> Standard | None:
    return (model.Session.query(Standard)
            .filter((Standard.name == name_or_id) | (Standard.id == name_or_id)).first())


def save_standard(values: dict[str, Any], user_id: str | None, current: Standard | None = None) -> dict[str, Any]:
    standard = current or Standard(creator_user_id=user_id)
    standard.name = values["name"]
    standard.title = values["title"]
    standard.description = values.get("description") or ""
    standard.table_schema = values["schema"]
    standard.modified = _now()
    model.Session.add(standard)
    model.Session.commit()
    return standard.as_dict()


def delete_standard(standard: Standard) -> None:
    model.Session.delete(standard)
    model.Session.commit()
