from portal.scoping import restrict


class ScopedQuerysetMixin:
    """API views whose objects go through the scoping gate (out of scope = 404)."""

    def get_queryset(self):
        return restrict(super().get_queryset(), self.request.user)
