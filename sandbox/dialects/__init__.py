"""One module per vendor dialect; each exposes ``handle(sandbox, request) -> Response``."""
