"""Reading server-sent event streams in tests: they never end, so read only what is needed."""

from __future__ import annotations

import asyncio


async def read_until(response, needle: str, timeout: float = 5.0) -> str:
    """Read the endless stream only until ``needle`` shows up."""
    seen = ""
    stream = aiter(response.streaming_content)

    async def more() -> None:
        nonlocal seen
        while needle not in seen:
            chunk = await anext(stream)
            seen += chunk.decode() if isinstance(chunk, bytes) else chunk

    await asyncio.wait_for(more(), timeout)
    return seen
