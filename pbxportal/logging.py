"""A logging filter that masks vendor secrets in every record before it is written."""

import logging

from calls.pbx.redact import redact


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
