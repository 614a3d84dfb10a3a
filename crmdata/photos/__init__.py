"""Contact photos and company logos: checked uploads, renditions, defaults and suggestions.

:mod:`.images` does the pure pixel work, :mod:`.store_ops` keeps photos in the store (with the
contact's version bump and a journal entry), :mod:`.suggest` finds candidates on the web.
"""

from .images import MAX_UPLOAD_BYTES, BadImage

__all__ = ["MAX_UPLOAD_BYTES", "BadImage"]
