"""Who posts an approved reply on each platform: the sender of the first enabled source of that type."""
from __future__ import annotations

from engagement.queue import QueueError


def sender_for(config, platform: str):
    if platform == "blog":
        raise QueueError("blogs have no reply API here: reply on the blog itself, then dismiss the suggestion")
    source = next((s for s in config.sources if s.type == platform and s.enabled), None)
    if source is None:
        raise QueueError(f"no enabled {platform} source in the config to send with")
    try:
        if platform == "x":
            from collectors.x import XReplySender as Sender
        else:
            from collectors.reddit import RedditReplySender as Sender
    except ImportError:
        raise QueueError(f"sending on {platform} is not available in this build") from None
    return Sender.from_config(source, config)
