"""Call history for everyone: the list with filters, a call's detail, its outcome, export."""
