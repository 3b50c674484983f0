"""The logging filter named in settings.LOGGING; it lives beside the redaction rules."""

from calls.pbx.redact import RedactFilter as RedactSecretsFilter

__all__ = ["RedactSecretsFilter"]
