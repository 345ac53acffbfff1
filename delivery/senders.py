"""Who posts an approved reply on each platform: the sender its platform module declares, built with the
settings and secrets of the first enabled source of that platform."""
from __future__ import annotations

from collectors import platforms
from collectors.secrets import source_secrets
from engagement.queue import QueueError
from storage.usage import settings_for


def sender_for(config, platform: str):
    found = platforms.find(platform)
    if found is None:
        raise QueueError(f"no platform {platform!r} in this build")
    if found.sender is None:
        raise QueueError(found.manual_reply or f"{found.label} has no reply API here: reply there yourself, "
                         "then dismiss the suggestion")
    types = {st.type for st in found.source_types}
    source = next((s for s in config.sources if s.type in types and s.enabled), None)
    if source is None:
        raise QueueError(f"no enabled {platform} source in the config to send with")
    try:
        sender = found.sender(source, config, source_secrets(source))
    except ImportError:
        raise QueueError(f"sending on {platform} is not available in this build") from None
    sender.pricing = settings_for(config, platform)  # queue.send counts the write and keeps within the budget
    return sender
