"""Nothing personal in the logs: CKAN's mailer writes "Sent email to <address>" for every mail,
requesters' included. The PPID plugin installs ``MaskEmails`` on that logger, so the line keeps
its use (a mail went out) without the address."""
from __future__ import annotations

import logging
import re

MAILER_LOGGERS = ("ckan.lib.mailer",)
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")


def mask(text: str) -> str:
    """``c***@example.org``: the first character and the domain stay."""
    return _EMAIL.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1], text)


class MaskEmails(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave the record to the handler's own error
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install() -> None:
    for name in MAILER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskEmails) for f in logger.filters):
            logger.addFilter(MaskEmails())
