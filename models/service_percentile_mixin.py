from odoo import models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

# percentile aggregates offered to pivots and graphs
PERCENTILES = {"median": 0.5, "p90": 0.9}


class ServicePercentileMixin(models.AbstractModel):
    """Median and 90th percentile measures for pivots and graphs.

    A model lists in `_percentile_measures` its measure fields (non-stored
    floats whose `aggregator` is "median" or "p90") with the stored field
    they read; groups are computed in SQL with PERCENTILE_CONT, over the
    rows where the stored field is set, since averages hide the slow tail."""

    _name = "service.percentile.mixin"
    _description = "Percentile Measures"

    # {measure field: stored field it reads}
    _percentile_measures = {}

    def _compute_percentile_measures(self):
        # a single record's percentile is its own value; groups are computed in SQL
        for record in self:
            for measure, source in self._percentile_measures.items():
                record[measure] = record[source]

    def _field_to_sql(self, alias, fname, query=None):
        if fname in self._percentile_measures:
            return super()._field_to_sql(alias, self._percentile_measures[fname], query)
        return super()._field_to_sql(alias, fname, query)

    def _read_group_select(self, aggregate_spec, query):
        fname, __, func = parse_read_group_spec(aggregate_spec)
        if func not in PERCENTILES:
            return super()._read_group_select(aggregate_spec, query)
        if fname not in self._percentile_measures and fname not in self._percentile_measures.values():
            raise ValueError(f"Aggregate {func!r} does not apply to {fname!r} on {self._name}.")
        value = self._field_to_sql(self._table, fname, query)
        return SQL(
            "PERCENTILE_CONT(%s) WITHIN GROUP (ORDER BY %s) FILTER (WHERE %s IS NOT NULL)",
            PERCENTILES[func],
            value,
            value,
        )
