"""Contacts import (CSV/XLSX, preview, background job with progress) and CSV export."""
