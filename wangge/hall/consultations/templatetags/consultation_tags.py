"""`{% load consultation_tags %}{% item_consultations item %}` on a session or agenda page: the
consultations attached to the agenda item that the viewer may see, each with its results summary when the
viewer may read it (selectors.for_item)."""

from django import template

from wangge.people.access import request_scope

from .. import selectors

register = template.Library()


@register.inclusion_tag("consultations/_item.html", takes_context=True)
def item_consultations(context, item):
    request = context.get("request")
    rows = selectors.for_item(actor=request_scope(request), item=item) if request is not None else []
    return {"rows": rows, "request": request}
