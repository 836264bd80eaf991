"""`{% batch_verification batch as v %}`: the verification of a batch for its detail page (the page's one
include line; assistance's view stays unchanged)."""

from django import template

from assistance.models import Batch
from portal.scoping import can_see_model

from .. import selectors
from ..models import VerificationRound

register = template.Library()


@register.simple_tag(takes_context=True)
def batch_verification(context, batch):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can_see_model(user, VerificationRound):
        return None
    rnd = selectors.round_for_batch(user, batch.pk)
    if rnd is None:
        return {"round": None, "can_draw": batch.status == Batch.Status.PAID}
    return {"round": rnd, "summary": selectors.round_summary(user, rnd)}
