"""PPID tables: requests, their history, files, objections, holiday overrides, the DIP and the
appointments of the PPID officers, the requesters' requests about their own data.

Personal data of requesters (UU PDP) lives only in the columns listed in ``PERSONAL_FIELDS``;
the logic layer drops them from every dictionary a viewer may not see. NIK, phone and address
are encrypted at rest (``EncryptedText``, see ``ppid/crypto.py``): the code reads and writes
plain values, the database holds only ciphertext, and ``nik_hash`` (a keyed hash) finds
duplicates. Each reveal of the full values is a ``PersonalAccess`` row.
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy import orm

import ckan.plugins.toolkit as tk
from ckan.model import meta

from ckanext.tangerang.ppid import crypto

PERSONAL_FIELDS = (
    "name", "nik", "sk_number", "address", "phone", "email", "occupation", "user_id",
    "attorney_name",
)


# the personal fields stored encrypted, and shown masked until an officer reveals them
ENCRYPTED_FIELDS = ("nik", "phone", "address")


class EncryptedText(sa.types.TypeDecorator):
    """Text encrypted with AES-256-GCM on its way to the database and decrypted on its way back.
    A query comparing such a column with a value never matches (each encryption differs): look
    a NIK up by ``nik_hash``."""
    impl = sa.UnicodeText
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return crypto.encrypt(value)

    def process_result_value(self, value, dialect):
        return crypto.decrypt(value)


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class PpidRequest(tk.BaseModel):
    __tablename__ = "tangerang_ppid_request"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    number = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    tracking_hash = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    submission_key = sa.Column(sa.UnicodeText, unique=True)
    channel = sa.Column(sa.UnicodeText, nullable=False)
    requester_type = sa.Column(sa.UnicodeText, nullable=False)
    name = sa.Column(sa.UnicodeText, nullable=False)
    nik = sa.Column(EncryptedText)
    # keyed hash (HMAC) of the NIK for duplicate detection; set whenever ``nik`` is
    nik_hash = sa.Column(sa.UnicodeText, index=True)
    sk_number = sa.Column(sa.UnicodeText)
    attorney_name = sa.Column(sa.UnicodeText)
    address = sa.Column(EncryptedText, nullable=False)
    phone = sa.Column(EncryptedText)
    email = sa.Column(sa.UnicodeText)
    occupation = sa.Column(sa.UnicodeText)
    user_id = sa.Column(sa.UnicodeText)
    information = sa.Column(sa.UnicodeText, nullable=False)
    purpose = sa.Column(sa.UnicodeText, nullable=False)
    obtain_method = sa.Column(sa.UnicodeText, nullable=False)
    delivery_method = sa.Column(sa.UnicodeText, nullable=False)
    consent_at = sa.Column(sa.DateTime, nullable=False)
    opd = sa.Column(sa.UnicodeText)
    state = sa.Column(sa.UnicodeText, nullable=False)
    received_date = sa.Column(sa.Date, nullable=False)
    clock_start = sa.Column(sa.Date, nullable=False)
    due_date = sa.Column(sa.Date, nullable=False)
    completion_due = sa.Column(sa.Date)
    completion_note = sa.Column(sa.UnicodeText)
    extension_days = sa.Column(sa.Integer)
    extension_reason = sa.Column(sa.UnicodeText)
    outcome = sa.Column(sa.UnicodeText)
    exemption_ground = sa.Column(sa.UnicodeText)
    consequence_test = sa.Column(sa.JSON)
    decision = sa.Column(sa.JSON)
    decided_date = sa.Column(sa.Date)
    working_days_taken = sa.Column(sa.Integer)
    on_time = sa.Column(sa.Boolean)
    reminded_date = sa.Column(sa.Date)
    # the language of the form the request was filed on: mail to the requester is written in it
    language = sa.Column(sa.UnicodeText)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    modified = sa.Column(sa.DateTime, nullable=False, default=_now, onupdate=_now)

    events = orm.relationship("PpidEvent", order_by="PpidEvent.created", lazy="select",
                              cascade="all, delete-orphan")
    files = orm.relationship("PpidFile", order_by="PpidFile.created", lazy="select",
                             cascade="all, delete-orphan")
    objections = orm.relationship("PpidObjection", order_by="PpidObjection.filed_date", lazy="select",
                                  cascade="all, delete-orphan")

    __table_args__ = (
        sa.Index("tangerang_ppid_request_opd_state_idx", "opd", "state", "received_date"),
        sa.Index("tangerang_ppid_request_received_idx", "received_date"),
        sa.Index("tangerang_ppid_request_due_idx", "state", "due_date"),
        sa.Index("tangerang_ppid_request_decided_idx", "decided_date"),
        sa.Index("tangerang_ppid_request_modified_idx", "modified"),
    )

    @orm.validates("nik")
    def _hash_nik(self, key, value):
        self.nik_hash = crypto.blind_index(value) if value else None
        return value

    @classmethod
    def get(cls, id_or_number: str) -> "PpidRequest | None":
        q = meta.Session.query(cls)
        return q.filter(cls.id == id_or_number).one_or_none() or \
            q.filter(cls.number == id_or_number).one_or_none()

    @classmethod
    def by_tracking_hash(cls, digest: str) -> "PpidRequest | None":
        return meta.Session.query(cls).filter(cls.tracking_hash == digest).one_or_none()


class PpidEvent(tk.BaseModel):
    """One state change or message: the request's history."""
    __tablename__ = "tangerang_ppid_event"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("tangerang_ppid_request.id",
                                                         ondelete="CASCADE"), nullable=False,
                           index=True)
    action = sa.Column(sa.UnicodeText, nullable=False)
    actor_id = sa.Column(sa.UnicodeText)
    actor_role = sa.Column(sa.UnicodeText, nullable=False)
    from_state = sa.Column(sa.UnicodeText)
    to_state = sa.Column(sa.UnicodeText)
    note = sa.Column(sa.UnicodeText)
    # shown to the requester on the tracking page
    public = sa.Column(sa.Boolean, nullable=False, default=True)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)


class PpidFile(tk.BaseModel):
    """A KTP/SK scan, a power of attorney or a (redacted) document given with the decision."""
    __tablename__ = "tangerang_ppid_file"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("tangerang_ppid_request.id",
                                                         ondelete="CASCADE"), nullable=False,
                           index=True)
    kind = sa.Column(sa.UnicodeText, nullable=False)
    filename = sa.Column(sa.UnicodeText, nullable=False)
    mimetype = sa.Column(sa.UnicodeText, nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    storage_path = sa.Column(sa.UnicodeText, nullable=False)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)


class PpidPersonalAccess(tk.BaseModel):
    """One reveal of a requester's full personal data by an officer (UU 27/2022): who, in which
    role and office, when and why. The requester sees the role, office, time and reason on the
    tracking page; the officer's name stays for the officers and audits."""
    __tablename__ = "tangerang_ppid_personal_access"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("tangerang_ppid_request.id",
                                                         ondelete="CASCADE"), nullable=False,
                           index=True)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    # ppid_utama, ppid_pelaksana or atasan; the OPD of a Pelaksana
    role = sa.Column(sa.UnicodeText, nullable=False)
    opd = sa.Column(sa.UnicodeText)
    reason = sa.Column(sa.UnicodeText, nullable=False)
    # what was shown: "data" (the fields) or "file:<kind>"
    what = sa.Column(sa.UnicodeText, nullable=False, default="data")
    created = sa.Column(sa.DateTime, nullable=False, default=_now)


class PpidObjection(tk.BaseModel):
    """A keberatan (UU KIP Ps 35-36) and, when it goes further, the sengketa (Ps 37)."""
    __tablename__ = "tangerang_ppid_objection"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("tangerang_ppid_request.id",
                                                         ondelete="CASCADE"), nullable=False,
                           index=True)
    number = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    grounds = sa.Column(sa.JSON, nullable=False)
    reasons = sa.Column(sa.UnicodeText, nullable=False)
    filed_date = sa.Column(sa.Date, nullable=False)
    due_date = sa.Column(sa.Date, nullable=False)
    state = sa.Column(sa.UnicodeText, nullable=False)
    result = sa.Column(sa.UnicodeText)
    result_reasons = sa.Column(sa.UnicodeText)
    decided_date = sa.Column(sa.Date)
    # the day the Atasan's decision was recorded (decided_date may be earlier, with a reason)
    recorded_date = sa.Column(sa.Date)
    decided_date_reason = sa.Column(sa.UnicodeText)
    dispute_due = sa.Column(sa.Date)
    dispute_filed_date = sa.Column(sa.Date)
    dispute_reference = sa.Column(sa.UnicodeText)
    dispute_note = sa.Column(sa.UnicodeText)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)


class PpidHoliday(tk.BaseModel):
    """An officer's override of the national calendar: a day off, or a day that is worked."""
    __tablename__ = "tangerang_ppid_holiday"

    date = sa.Column(sa.Date, primary_key=True)
    working = sa.Column(sa.Boolean, nullable=False, default=False)
    name = sa.Column(sa.UnicodeText, nullable=False)
    created_by = sa.Column(sa.UnicodeText)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)


class PpidDipEntry(tk.BaseModel):
    """An entry of the Daftar Informasi Publik."""
    __tablename__ = "tangerang_ppid_dip"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    number = sa.Column(sa.UnicodeText, nullable=False, unique=True)
    summary = sa.Column(sa.UnicodeText, nullable=False)
    opd = sa.Column(sa.UnicodeText, nullable=False, index=True)
    holder = sa.Column(sa.UnicodeText, nullable=False)
    responsible = sa.Column(sa.UnicodeText, nullable=False)
    made = sa.Column(sa.UnicodeText, nullable=False)
    form = sa.Column(sa.UnicodeText, nullable=False)
    retention = sa.Column(sa.UnicodeText, nullable=False)
    category = sa.Column(sa.UnicodeText, nullable=False, index=True)
    package_id = sa.Column(sa.UnicodeText)
    # the "dikecualikan" category: the Ps 17 letters and the consequence test (Ps 19), with the
    # exemption's time limit ("until", ISO date) for a-f (Ps 20)
    exemption_grounds = sa.Column(sa.JSON)
    consequence_test = sa.Column(sa.JSON)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    modified = sa.Column(sa.DateTime, nullable=False, default=_now, onupdate=_now)


APPOINTMENT_ROLES = ("utama", "pelaksana", "atasan")


class PpidAppointment(tk.BaseModel):
    """A user appointed PPID Utama, PPID Pelaksana of one OPD, or Atasan PPID. PPID roles come
    only from here (and the bootstrap lists of the ini), never from editing datasets."""
    __tablename__ = "tangerang_ppid_appointment"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    user_id = sa.Column(sa.UnicodeText, nullable=False, index=True)
    role = sa.Column(sa.UnicodeText, nullable=False)
    # the OPD (organization name of the city profile) of a Pelaksana; empty for the others
    opd = sa.Column(sa.UnicodeText)
    # the appointing decree (Surat Keputusan), free text
    decree = sa.Column(sa.UnicodeText)
    appointed_by = sa.Column(sa.UnicodeText)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)

    __table_args__ = (
        sa.CheckConstraint("role IN ('utama', 'pelaksana', 'atasan')",
                           name="tangerang_ppid_appointment_role_check"),
        sa.CheckConstraint("(role = 'pelaksana') = (opd IS NOT NULL)",
                           name="tangerang_ppid_appointment_opd_check"),
    )


# one appointment per user, role and OPD (NULL OPDs compare equal here)
sa.Index("tangerang_ppid_appointment_unique_idx", PpidAppointment.user_id, PpidAppointment.role,
         sa.func.coalesce(PpidAppointment.opd, ""), unique=True)


class PpidAppointmentEvent(tk.BaseModel):
    """The audit trail of the appointments: each appointment and removal, who made it, when;
    kept when the appointment itself is removed."""
    __tablename__ = "tangerang_ppid_appointment_event"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    action = sa.Column(sa.UnicodeText, nullable=False)     # "appoint" or "remove"
    appointment_id = sa.Column(sa.UnicodeText, nullable=False)
    user_id = sa.Column(sa.UnicodeText, nullable=False)
    role = sa.Column(sa.UnicodeText, nullable=False)
    opd = sa.Column(sa.UnicodeText)
    decree = sa.Column(sa.UnicodeText)
    actor_id = sa.Column(sa.UnicodeText)
    created = sa.Column(sa.DateTime, nullable=False, default=_now, index=True)


class PpidReminder(tk.BaseModel):
    """A reminder sent: of which deadline (``decision``, ``completion`` of a request,
    ``objection``), for which due date, how many working days before it (0: overdue). The
    unique key makes the daily job send each one once, however often it runs."""
    __tablename__ = "tangerang_ppid_reminder"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("tangerang_ppid_request.id",
                                                         ondelete="CASCADE"), nullable=False)
    objection_id = sa.Column(sa.UnicodeText, nullable=False, default="", server_default="")
    deadline = sa.Column(sa.UnicodeText, nullable=False)
    due_date = sa.Column(sa.Date, nullable=False)
    days_before = sa.Column(sa.Integer, nullable=False)
    sent = sa.Column(sa.DateTime, nullable=False, default=_now)

    __table_args__ = (
        sa.UniqueConstraint("request_id", "objection_id", "deadline", "due_date", "days_before",
                            name="tangerang_ppid_reminder_once"),
    )


def claim_reminder(request_id: str, objection_id: str | None, deadline: str, due: dt.date,
                   days_before: int) -> bool:
    """Record a reminder as sent; False when it already was (by this run or another)."""
    table = PpidReminder.__table__
    from sqlalchemy.dialects.postgresql import insert
    stmt = insert(table).values(id=_uuid(), request_id=request_id,
                                objection_id=objection_id or "", deadline=deadline,
                                due_date=due, days_before=days_before, sent=_now()) \
        .on_conflict_do_nothing(constraint="tangerang_ppid_reminder_once") \
        .returning(table.c.id)
    return meta.Session.execute(stmt).scalar_one_or_none() is not None


class PpidSubjectRequest(tk.BaseModel):
    """A requester's request about their own personal data (UU PDP): ``copy`` (Ps 7, Ps 32) or
    ``erase`` (Ps 8, Ps 43(1)c). ``state``: ``done``; ``received`` (a copy for a requester
    without e-mail, handed over by an officer); ``waiting`` (an erasure held while the request
    or a keberatan or dispute on it is open: carried out by the daily purge once it closes)."""
    __tablename__ = "tangerang_ppid_subject_request"

    id = sa.Column(sa.UnicodeText, primary_key=True, default=_uuid)
    request_id = sa.Column(sa.UnicodeText, sa.ForeignKey("tangerang_ppid_request.id",
                                                         ondelete="CASCADE"), nullable=False,
                           index=True)
    kind = sa.Column(sa.UnicodeText, nullable=False)
    state = sa.Column(sa.UnicodeText, nullable=False)
    created = sa.Column(sa.DateTime, nullable=False, default=_now)
    # UU PDP Ps 32(2): 3 x 24 hours from receipt
    due = sa.Column(sa.DateTime, nullable=False)
    done = sa.Column(sa.DateTime)
    done_by = sa.Column(sa.UnicodeText)
    note = sa.Column(sa.UnicodeText)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('copy', 'erase')", name="tangerang_ppid_subject_kind_check"),
        sa.CheckConstraint("state IN ('received', 'waiting', 'done')",
                           name="tangerang_ppid_subject_state_check"),
    )


class PpidCounter(tk.BaseModel):
    """Yearly sequences of registration numbers (one row per kind and year)."""
    __tablename__ = "tangerang_ppid_counter"

    kind = sa.Column(sa.UnicodeText, primary_key=True)
    year = sa.Column(sa.Integer, primary_key=True)
    value = sa.Column(sa.Integer, nullable=False)


def next_number(kind: str, year: int) -> int:
    """Atomic: concurrent submissions never share a number."""
    table = PpidCounter.__table__
    from sqlalchemy.dialects.postgresql import insert
    stmt = insert(table).values(kind=kind, year=year, value=1).on_conflict_do_update(
        index_elements=[table.c.kind, table.c.year], set_={"value": table.c.value + 1}
    ).returning(table.c.value)
    return meta.Session.execute(stmt).scalar_one()


# short names for the rest of the subsystem; the Ppid prefix keeps the declarative registry,
# shared with CKAN and the other subsystems, free of clashes
Request, Event, File, Objection = PpidRequest, PpidEvent, PpidFile, PpidObjection
Holiday, DipEntry, Counter = PpidHoliday, PpidDipEntry, PpidCounter
Appointment = PpidAppointment
Reminder = PpidReminder
PersonalAccess = PpidPersonalAccess
SubjectRequest = PpidSubjectRequest
AppointmentEvent = PpidAppointmentEvent
