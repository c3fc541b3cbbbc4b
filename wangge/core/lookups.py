"""`field__any=[…]`: the field equals one of a list of values. On PostgreSQL the list is one array parameter
(`= ANY(%s)`) rather than one placeholder per value as `__in` makes: a scope of a few hundred grid nodes
compared twice in every matter list cost a couple of milliseconds of the client splitting and binding the
query. The database plans both alike (an index scan per value). Elsewhere it is `IN (…)`.

The values can also be a subquery (a queryset of one column): on PostgreSQL `= ANY(ARRAY(SELECT …))`, which the
database runs once, before the query that uses it, and then probes an index per id as with a list, with no
round trip to fetch the ids first. (`__in` with a subquery lets the planner join or hash instead, which
suits thousands of ids, not a few hundred.)"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        if hasattr(self.rhs, "as_sql"):
            return self.rhs
        field = self.lhs.output_field
        return [field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        if hasattr(self.rhs, "as_sql"):  # a subquery of ids
            sub, sub_params = self.process_rhs(compiler, connection)
            if connection.vendor == "postgresql":
                return f"{lhs} = ANY(ARRAY{sub})", [*params, *sub_params]
            return f"{lhs} IN {sub}", [*params, *sub_params]
        if not self.rhs:
            raise EmptyResultSet  # as `__in=[]`: matches nothing
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]
        values = list(self.rhs)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def register() -> None:
    for field in (IntegerField, ForeignKey):
        field.register_lookup(AnyOf)
