"""The SMS senders of casework notices. Which one is used is the setting CASEWORK_SMS_SENDER (a dotted path
to a class with `name` and `send(*, phone, text) -> reference`; a refusal raises SendError). The default,
the outbox sender, sends nothing: the Notice rows are the outbox (demo and tests); the console sender also
writes each message to the log. A real gateway is one more class here."""

import logging
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
DEFAULT = "casework.notify.OutboxSender"


class SendError(Exception):
    """The gateway refused the message (its words go onto the Notice)."""


class OutboxSender:
    name = "outbox"

    def send(self, *, phone: str, text: str) -> str:
        return f"OUTBOX-{uuid.uuid4().hex[:12]}"


class ConsoleSender(OutboxSender):
    name = "console"

    def send(self, *, phone: str, text: str) -> str:
        log.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else phone, text)
        return f"CONSOLE-{uuid.uuid4().hex[:12]}"


def get_sender():
    return import_string(getattr(settings, "CASEWORK_SMS_SENDER", DEFAULT))()
