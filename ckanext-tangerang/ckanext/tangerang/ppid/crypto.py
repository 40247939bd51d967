"""Encryption at rest of the requesters' personal data (UU 27/2022 on Personal Data Protection).

One secret, ``ckanext.tangerang.ppid.data_key`` (at least 32 characters, e.g. 32 random bytes
in base64 or hex), is stretched with HKDF-SHA256 into

- an AES-256-GCM key for the fields NIK, phone and address and for the stored files
  (identity scans, powers of attorney, completion files, decision documents);
- an HMAC-SHA256 key for the keyed hash of the NIK (``nik_hash``), so duplicates are found
  without decrypting and without a hash anyone could recompute from the 16 digits.

Formats (``kid`` = the first 4 bytes of SHA-256 of the AES key, naming the key that wrote it):

- a field: ``ppid1:<kid hex>:<urlsafe base64 of nonce(12) + ciphertext + tag(16)>``
- a file: ``b"PPIDENC1" + kid(4) + nonce(12) + ciphertext + tag(16)``

Each field is bound to its purpose (associated data ``ppid-field``, ``ppid-file``), so a
ciphertext cannot be moved between a field and a file. Values written before encryption
(plain text, or files without the header) are read as they are until ``ckan tangerang ppid
rotate-key`` (or migration 0005 for the fields) rewrites them. Old keys stay readable while
listed in ``ckanext.tangerang.ppid.data_key_previous``.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import ckan.plugins.toolkit as tk

KEY_OPTION = "ckanext.tangerang.ppid.data_key"
PREVIOUS_OPTION = "ckanext.tangerang.ppid.data_key_previous"
FIELD_PREFIX = "ppid1:"
FILE_MAGIC = b"PPIDENC1"
_FIELD_AD = b"ppid-field"
_FILE_AD = b"ppid-file"


class KeyError_(RuntimeError):
    """The data key is missing, too short, or none of the configured keys opens a value."""


@dataclass(frozen=True)
class Key:
    kid: bytes
    aes: AESGCM
    mac: bytes


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tangerang-ppid",
                info=info).derive(secret.encode())


@functools.lru_cache(maxsize=16)
def make_key(secret: str) -> Key:
    secret = (secret or "").strip()
    if len(secret) < 32:
        raise KeyError_(f"{KEY_OPTION} must be at least 32 characters (e.g. "
                        "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`)")
    aes = _derive(secret, b"aes-256-gcm")
    return Key(kid=hashlib.sha256(aes).digest()[:4], aes=AESGCM(aes),
               mac=_derive(secret, b"hmac-nik"))


def current_key() -> Key:
    secret = tk.config.get(KEY_OPTION)
    if not secret:
        raise KeyError_(f"{KEY_OPTION} is not set: the PPID encrypts requesters' personal data "
                        "with it (make secrets writes one into var/secrets.ini)")
    return make_key(secret)


def previous_keys() -> list[Key]:
    return [make_key(s) for s in tk.aslist(tk.config.get(PREVIOUS_OPTION))]


def all_keys(extra: list[str] | None = None) -> list[Key]:
    keys = [current_key(), *previous_keys(), *[make_key(s) for s in extra or []]]
    return list({k.kid: k for k in keys}.values())


def _find(kid: bytes, extra: list[str] | None = None) -> Key:
    for key in all_keys(extra):
        if key.kid == kid:
            return key
    raise KeyError_(f"no configured PPID data key opens this value (key id {kid.hex()}): add "
                    f"the old key to {PREVIOUS_OPTION}")


# Fields -------------------------------------------------------------------------------------

def is_encrypted(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(FIELD_PREFIX)


def encrypt(value: str | None, key: Key | None = None) -> str | None:
    """None and "" stay as they are (nothing to hide); anything else becomes a ``ppid1:`` token."""
    if value is None or value == "" or is_encrypted(value):
        return value
    key = key or current_key()
    nonce = os.urandom(12)
    sealed = key.aes.encrypt(nonce, value.encode("utf-8"), _FIELD_AD)
    return f"{FIELD_PREFIX}{key.kid.hex()}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(value: str | None, extra: list[str] | None = None) -> str | None:
    """The plain value; a value written before encryption is returned as it is."""
    if not is_encrypted(value):
        return value
    _prefix, kid, body = value.split(":", 2)
    raw = base64.urlsafe_b64decode(body.encode())
    try:
        return _find(bytes.fromhex(kid), extra).aes.decrypt(raw[:12], raw[12:], _FIELD_AD) \
            .decode("utf-8")
    except InvalidTag:
        raise KeyError_("a PPID personal field failed its integrity check") from None


def key_id(value: str | None) -> str | None:
    return value.split(":", 2)[1] if is_encrypted(value) else None


def blind_index(nik: str, key: Key | None = None) -> str:
    """The keyed hash of a NIK (hex HMAC-SHA256), for finding duplicates."""
    key = key or current_key()
    return hmac.new(key.mac, nik.encode(), hashlib.sha256).hexdigest()


def blind_indexes(nik: str) -> list[str]:
    """The hash under every configured key: a row hashed before a rotation is still found."""
    return [blind_index(nik, key) for key in all_keys()]


# Files --------------------------------------------------------------------------------------

def encrypt_bytes(content: bytes, key: Key | None = None) -> bytes:
    if content.startswith(FILE_MAGIC):
        return content
    key = key or current_key()
    nonce = os.urandom(12)
    return FILE_MAGIC + key.kid + nonce + key.aes.encrypt(nonce, content, _FILE_AD)


def file_encrypted(content: bytes) -> bool:
    return content.startswith(FILE_MAGIC)


def file_key_id(content: bytes) -> str | None:
    return content[len(FILE_MAGIC):len(FILE_MAGIC) + 4].hex() if file_encrypted(content) else None


def decrypt_bytes(content: bytes, extra: list[str] | None = None) -> bytes:
    """The plain bytes; a file stored before encryption is returned as it is."""
    if not file_encrypted(content):
        return content
    start = len(FILE_MAGIC)
    kid, nonce, sealed = content[start:start + 4], content[start + 4:start + 16], \
        content[start + 16:]
    try:
        return _find(kid, extra).aes.decrypt(nonce, sealed, _FILE_AD)
    except InvalidTag:
        raise KeyError_("a PPID file failed its integrity check") from None


# Masks ----------------------------------------------------------------------------------------

def mask_nik(nik: str | None) -> str | None:
    """``3671 01** **** 0099``: the region (first 6 digits) and the last 4 stay."""
    if not nik:
        return nik
    digits = nik.replace(" ", "")
    if len(digits) != 16:
        return "*" * len(digits)
    masked = digits[:6] + "*" * 6 + digits[-4:]
    return " ".join(masked[i:i + 4] for i in range(0, 16, 4))


def mask_phone(phone: str | None) -> str | None:
    """``0812 **** *678``: the first 4 and the last 3 digits stay."""
    if not phone:
        return phone
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    if len(digits) <= 7:
        return "*" * len(digits)
    masked = digits[:4] + "*" * (len(digits) - 7) + digits[-3:]
    return " ".join(masked[i:i + 4] for i in range(0, len(masked), 4))


def mask_address(address: str | None) -> str | None:
    """Only the last part (usually the district or city) stays: ``*** , Cipondoh``."""
    if not address:
        return address
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) > 1:
        return "***, " + parts[-1]
    return "***"
