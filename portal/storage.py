"""Where private files live: under settings.PRIVATE_ROOT (default var/private), never under MEDIA_ROOT.

Nothing serves this folder; a file leaves it only through a view that checks the reader's scope and
writes an audit row (e.g. casework's application document download). Files have no public URL.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A FileSystemStorage rooted at settings.PRIVATE_ROOT, read at every access (tests may override it)."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL; serve them through a checked view")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of private FileFields (a callable, so migrations name it instead of freezing a path)."""
    return _private
