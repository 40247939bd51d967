"""Helpers of the PPID tests."""
from __future__ import annotations

import io

import ckan.plugins.toolkit as tk

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")
NIK = "3671011503900001"
PERSONAL = {
    "name": "Siti Rahmawati Kusumadewi",
    "nik": NIK,
    "address": "Jl. Melati Rahasia No. 77, Cipondoh",
    "phone": "081298765432",
    "email": "siti.pemohon@example.org",
    "occupation": "Peneliti Lepas Independen",
}


def appoint(user, role, opd=None, decree=None):
    """Appoint a PPID officer as a sysadmin would."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return tk.get_action("ppid_appointment_create")(
        {"user": site_user["name"], "ignore_auth": True},
        {"user": user, "role": role, "opd": opd, "decree": decree})


def act(action, user=None, **data):
    """Call an action as ``user`` (None = anonymous) with auth checked."""
    return tk.get_action(action)({"user": user or "", "ignore_auth": False}, data)


class Upload:
    """What werkzeug gives an action for an uploaded file."""

    def __init__(self, content=PDF, filename="ktp.pdf"):
        self.stream = io.BytesIO(content)
        self.filename = filename


def request_data(**extra):
    data = {
        "requester_type": "individual", **PERSONAL,
        "information": "Data jumlah puskesmas dan tenaga kesehatan per kecamatan tahun 2025",
        "purpose": "Penelitian tentang akses layanan kesehatan",
        "obtain_method": "softcopy", "delivery_method": "email", "consent": "on",
        "identity_upload": Upload(),
    }
    data.update(extra)
    return data
