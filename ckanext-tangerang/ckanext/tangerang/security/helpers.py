"""Template helpers of the security subsystem (``h.tangerang_csp_nonce``)."""
from __future__ import annotations

from ckanext.tangerang.security import headers


def tangerang_csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy, for `<script nonce="...">`."""
    return headers.csp_nonce()


def get_helpers():
    return {"tangerang_csp_nonce": tangerang_csp_nonce}
