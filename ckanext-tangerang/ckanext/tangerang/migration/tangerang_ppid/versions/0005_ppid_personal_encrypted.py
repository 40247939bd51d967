"""Personal data encrypted at rest: nik_hash, the access log, and existing rows encrypted

Adds the keyed hash of the NIK (duplicate detection without decrypting) and the table of
reveals (tangerang_ppid_personal_access), then encrypts the NIK, phone and address of every
existing request with ``ckanext.tangerang.ppid.data_key`` (AES-256-GCM, ppid/crypto.py) and
fills nik_hash. Stored files are encrypted by ``ckan tangerang ppid rotate-key`` (which also
re-encrypts the fields); until then they are read as they are.

Revision ID: 0005_ppid_personal_encrypted
Revises: 0004_ppid_route_note_internal
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_ppid_personal_encrypted"
down_revision = "0004_ppid_route_note_internal"
branch_labels = None
depends_on = None

T = sa.UnicodeText


def upgrade():
    op.add_column("tangerang_ppid_request", sa.Column("nik_hash", T))
    op.create_index("ix_tangerang_ppid_request_nik_hash", "tangerang_ppid_request", ["nik_hash"])
    op.create_table(
        "tangerang_ppid_personal_access",
        sa.Column("id", T, primary_key=True),
        sa.Column("request_id", T, sa.ForeignKey("tangerang_ppid_request.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("user_id", T, nullable=False),
        sa.Column("role", T, nullable=False),
        sa.Column("opd", T),
        sa.Column("reason", T, nullable=False),
        sa.Column("what", T, nullable=False, server_default="data"),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    _encrypt_rows()


def _encrypt_rows():
    from ckanext.tangerang.ppid import crypto

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, nik, phone, address FROM tangerang_ppid_request "
        "WHERE (nik IS NOT NULL AND nik <> '' AND nik NOT LIKE 'ppid1:%') "
        "OR (phone IS NOT NULL AND phone <> '' AND phone NOT LIKE 'ppid1:%') "
        "OR (address <> '' AND address NOT LIKE 'ppid1:%')")).fetchall()
    if not rows:
        return
    key = crypto.current_key()  # a clear error when the key is missing, before any change
    update = sa.text("UPDATE tangerang_ppid_request SET nik = :nik, nik_hash = :nik_hash, "
                     "phone = :phone, address = :address WHERE id = :id")
    for row in rows:
        nik = crypto.decrypt(row.nik)
        conn.execute(update, {
            "id": row.id, "nik": crypto.encrypt(row.nik, key),
            "nik_hash": crypto.blind_index(nik, key) if nik else None,
            "phone": crypto.encrypt(row.phone, key), "address": crypto.encrypt(row.address, key),
        })


def downgrade():
    from ckanext.tangerang.ppid import crypto

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, nik, phone, address FROM tangerang_ppid_request")).fetchall()
    update = sa.text("UPDATE tangerang_ppid_request SET nik = :nik, phone = :phone, "
                     "address = :address WHERE id = :id")
    for row in rows:
        conn.execute(update, {"id": row.id, "nik": crypto.decrypt(row.nik),
                              "phone": crypto.decrypt(row.phone),
                              "address": crypto.decrypt(row.address)})
    op.drop_table("tangerang_ppid_personal_access")
    op.drop_index("ix_tangerang_ppid_request_nik_hash", "tangerang_ppid_request")
    op.drop_column("tangerang_ppid_request", "nik_hash")
