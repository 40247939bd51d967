"""Tables of Satu Data: the Walidata review history and resource download counts."""
from __future__ import annotations

import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, UnicodeText

import ckan.plugins.toolkit as tk
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
