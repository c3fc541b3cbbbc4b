"""Pages about people: organisations and their members, duty assignment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from wangge.core.errors import ApplicationError, NotFound

from . import selectors
from .access import request_scope
from .models import JOINT_UNIT_KINDS, PARTY_KINDS, OrganisationKind

# -- organisations: the "open and integrated" organisation (建立开放融合组织架构) ------------------------------

# The groups of the organisations page, in order. An organisation is grouped by the kind of the top of its
# tree, so a property company's party organisation stays under the community party committee.
ORGANISATION_GROUPS = (
    ("party", _("党组织"), PARTY_KINDS),
    ("community", _("居委会和物业服务企业"), {OrganisationKind.RESIDENTS_COMMITTEE, OrganisationKind.PROPERTY_COMPANY}),
    ("joint", _("共驻共建单位"), JOINT_UNIT_KINDS),
    ("other", _("其他组织"), None),  # whatever the groups above do not claim
)
_KIND_RANK = {kind: n for n, kind in enumerate(OrganisationKind.values)}


def _organisation_sort_key(org) -> tuple:
    return (_KIND_RANK.get(org.kind, len(_KIND_RANK)), org.grid.code, org.pk)


def _organisation_forest(organisations) -> list:
    """Nest the organisations under their parents as `tree_children` and return the roots. An
    organisation whose parent is not in the list (not visible, or filtered out) is a root; so is one
    caught in a loop of parents, so that every organisation is shown once and rendering ends."""
    by_id = {o.pk: o for o in organisations}
    for o in organisations:
        o.tree_children = []
    parent_of = {o.pk: o.parent_id for o in organisations if o.parent_id in by_id and o.parent_id != o.pk}
    for pk in list(parent_of):
        seen, up = {pk}, parent_of.get(pk)
        while up is not None and up not in seen:
            seen.add(up)
            up = parent_of.get(up)
        if up == pk:  # came back round to itself: cut the loop here
            parent_of.pop(pk)
    roots = []
    for o in organisations:
        (by_id[parent_of[o.pk]].tree_children if o.pk in parent_of else roots).append(o)
    for o in organisations:
        o.tree_children.sort(key=_organisation_sort_key)
    return sorted(roots, key=_organisation_sort_key)


def _organisation_groups(organisations) -> list[dict]:
    roots = _organisation_forest(list(organisations))
    groups, claimed = [], set()
    for key, title, kinds in ORGANISATION_GROUPS:
        mine = [r for r in roots if r.pk not in claimed and (kinds is None or r.kind in kinds)]
        claimed.update(r.pk for r in mine)
        if mine:
            groups.append({"key": key, "title": title, "roots": mine})
    return groups


@login_required
def organisation_list_page(request):
    """The organisations the user may see, as trees by parent, grouped; a kind filter and a search box."""
    scope = request_scope(request)
    kind = request.GET.get("kind", "").strip()
    q = request.GET.get("q", "").strip()
    context = {"kind": kind, "q": q, "kinds": OrganisationKind.choices, "groups": [], "count": 0,
               "is_staff_scope": scope.is_staff_scope}
    try:
        organisations = list(selectors.organisation_list_counted(actor=scope, kind=kind or None, q=q))
    except ApplicationError as exc:
        context["error"] = str(exc)
        return render(request, "people/organisations.html", context, status=exc.status)
    context.update(groups=_organisation_groups(organisations), count=len(organisations))
    return render(request, "people/organisations.html", context)


@login_required
def organisation_detail_page(request, organisation_id: int):
    """One organisation: where it sits, its parent and children, and its members with the other hats they
    wear. Organisations outside the user's scope answer 404."""
    scope = request_scope(request)
    try:
        organisation = selectors.organisation_get(actor=scope, organisation_id=organisation_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    members = list(selectors.organisation_member_list(actor=scope, organisation=organisation))
    context = {
        "org": organisation,
        "grid_linked": scope.sees_grid(organisation.grid),
        "parent": selectors.organisation_parent(actor=scope, organisation=organisation),
        "children": list(selectors.organisation_children(actor=scope, organisation=organisation)),
        "members": members,
        "party_member_count": sum(1 for m in members if m.is_party_member),
    }
    return render(request, "people/organisation.html", context)
