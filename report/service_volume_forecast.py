from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

HISTORY_WEEKS = 12
HELD_OUT_WEEKS = 4
FORECAST_WEEKS = 4
# weeks with tickets the fit needs before the held-out weeks for its error to mean something
MIN_TRAINING_WEEKS = 4


class ServiceVolumeForecast(models.TransientModel):
    """Tickets per team and week: the last weeks as they were, the next four
    as a linear trend fitted on the history predicts them, and how wrong the
    same method was on the last four known weeks (held out), so a manager
    knows how much to trust it."""

    _name = "service.volume.forecast"
    _description = "Ticket Volume Forecast"
    _order = "team_id, week_start"

    team_id = fields.Many2one("service.team", readonly=True)
    week_start = fields.Date(readonly=True)
    kind = fields.Selection([("actual", "Actual"), ("forecast", "Forecast")], readonly=True)
    ticket_count = fields.Float(string="Tickets", readonly=True, aggregator="sum", digits=(16, 1))
    mape = fields.Float(
        string="Held-out Error (%)",
        readonly=True,
        aggregator="max",
        digits=(16, 1),
        help="Mean absolute percentage error of the method on the last four known weeks; "
        "empty when the team has not enough history to check it.",
    )
    history = fields.Selection(
        [("enough", "Enough history"), ("short", "Not enough history")],
        readonly=True,
        help="Not enough history: the team had tickets in fewer than four of the eight weeks before "
        "the last four, so the method's error on them says nothing.",
    )

    @api.model
    def _weekly_counts(self, teams, first_week, weeks):
        """{team id: [count of week 0, week 1, ...]} of tickets created per week."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT team_id, (DATE_TRUNC('week', create_date))::date AS week, COUNT(*)
              FROM service_ticket
             WHERE team_id IN %s AND create_date >= %s AND create_date < %s
          GROUP BY team_id, week
            """,
                tuple(teams.ids) or (0,),
                first_week,
                first_week + timedelta(weeks=weeks),
            )
        )
        counts = {team.id: [0] * weeks for team in teams}
        for team_id, week, count in rows:
            counts[team_id][(week - first_week).days // 7] = count
        return counts

    @api.model
    def _fit_trend(self, series):
        """(intercept, slope) of the least-squares line through the series."""
        n = len(series)
        if n < 2:
            return (float(series[0]) if series else 0.0), 0.0
        mean_x, mean_y = (n - 1) / 2, sum(series) / n
        variance = sum((x - mean_x) ** 2 for x in range(n))
        slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(series)) / variance
        return mean_y - slope * mean_x, slope

    @api.model
    def _predict(self, series, horizon):
        intercept, slope = self._fit_trend(series)
        return [max(intercept + slope * (len(series) + step), 0.0) for step in range(horizon)]

    @api.model
    def _mape(self, actual, predicted):
        """Mean absolute percentage error over the weeks with tickets; None when no week had any."""
        errors = [abs(a - p) / a for a, p in zip(actual, predicted, strict=True) if a]
        return 100 * sum(errors) / len(errors) if errors else None

    @api.model
    def _held_out_error(self, history):
        """(error in %, history) of the method on the last known weeks: no
        error when too few earlier weeks had tickets to fit a trend on."""
        trained = history[:-HELD_OUT_WEEKS]
        if sum(1 for count in trained if count) < MIN_TRAINING_WEEKS:
            return None, "short"
        return self._mape(history[-HELD_OUT_WEEKS:], self._predict(trained, HELD_OUT_WEEKS)), "enough"

    @api.model
    def _forecast(self, teams, today=None):
        today = today or fields.Date.context_today(self)
        this_week = today - timedelta(days=today.weekday())
        first_week = this_week - timedelta(weeks=HISTORY_WEEKS)
        counts = self._weekly_counts(teams, first_week, HISTORY_WEEKS)
        values = []
        for team in teams:
            history = counts[team.id]
            mape, enough = self._held_out_error(history)
            for index, count in enumerate(history):
                values.append(
                    {
                        "team_id": team.id,
                        "week_start": first_week + timedelta(weeks=index),
                        "kind": "actual",
                        "ticket_count": count,
                        "mape": mape or 0.0,
                        "history": enough,
                    }
                )
            for index, count in enumerate(self._predict(history, FORECAST_WEEKS)):
                values.append(
                    {
                        "team_id": team.id,
                        "week_start": this_week + timedelta(weeks=index),
                        "kind": "forecast",
                        "ticket_count": round(count, 1),
                        "mape": mape or 0.0,
                        "history": enough,
                    }
                )
        return values

    # The rows are written by action_open on the primary, then read by the
    # graph and the list at once: Odoo's readers are read-only methods, served
    # by a replica when there is one, which may not have the rows yet (or
    # still the previous ones). This model's readers read the primary.
    @api.model
    def web_search_read(self, *args, **kwargs):
        return super().web_search_read(*args, **kwargs)

    def web_read(self, *args, **kwargs):
        return super().web_read(*args, **kwargs)

    @api.model
    def web_read_group(self, *args, **kwargs):
        return super().web_read_group(*args, **kwargs)

    @api.model
    def formatted_read_group(self, *args, **kwargs):
        return super().formatted_read_group(*args, **kwargs)

    @api.model
    def formatted_read_grouping_sets(self, *args, **kwargs):
        return super().formatted_read_grouping_sets(*args, **kwargs)

    web_search_read._readonly = False
    web_read._readonly = False
    web_read_group._readonly = False
    formatted_read_group._readonly = False
    formatted_read_grouping_sets._readonly = False

    @api.model
    def action_open(self):
        # a forecast for each team the manager may read (a few dozen at most)
        teams = self.env["service.team"].search([])  # pylint: disable=no-search-all
        self.search([("create_uid", "=", self.env.uid)]).unlink()
        self.create(self._forecast(teams))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Ticket Volume Forecast"),
            "res_model": self._name,
            "view_mode": "graph,list",
            "domain": [("create_uid", "=", self.env.uid)],
        }
