from functools import partial

from rest_framework.pagination import PageNumberPagination

from portal.pagination import CountedPaginator


class PortalPagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}` with `?page=N` (and `?page_size=`, at most 500).

    A view may define `known_count()` returning the exact count of its filtered queryset from a kept
    tally (or None); then no `COUNT(*)` runs over the rows."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        known = getattr(view, "known_count", None)
        count = known() if known is not None else None
        self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)
