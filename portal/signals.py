"""Extension points through which apps join portal flows without portal knowing them."""

from django.dispatch import Signal

# Sent by create_portal_user after a user is saved: sender=User, user=..., options=dict of the command's options.
portal_user_saved = Signal()
