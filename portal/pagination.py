"""Pagination that can be told its count.

Django's paginator runs `SELECT COUNT(*)` over the whole filtered queryset, which at a million rows
costs more than the page itself. Where the count is kept elsewhere (e.g. a tally maintained by the
database), the view passes it in and no COUNT runs; otherwise this is Django's paginator unchanged.
"""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, count: int | None = None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property, so Paginator.count never queries


def page_of(request, queryset, per_page: int, *, count: int | None = None):
    """The page of `queryset` named by `?page=` (out-of-range numbers give the last page)."""
    return CountedPaginator(queryset, per_page, count=count).get_page(request.GET.get("page"))
