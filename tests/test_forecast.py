"""Ticket volume forecast on synthetic series with known answers."""

from datetime import date, datetime, timedelta

from lxml import etree

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestVolumeForecast(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Forecast = cls.env["service.volume.forecast"]
        cls.team = cls.env["service.team"].create({"name": "Forecast desk"})
        cls.env["service.sla.policy"].search([]).active = False

    def test_trend_and_prediction(self):
        self.assertEqual(self.Forecast._fit_trend([2, 4, 6, 8]), (2.0, 2.0))
        self.assertEqual(self.Forecast._predict([2, 4, 6, 8], 2), [10.0, 12.0])
        self.assertEqual(self.Forecast._predict([5, 3, 1], 2), [0.0, 0.0], "never below zero")

    def test_mape(self):
        self.assertAlmostEqual(self.Forecast._mape([10, 20], [12, 15]), 22.5)
        self.assertIsNone(self.Forecast._mape([0, 0], [1, 2]), "no week with tickets: no error to give")

    def _weekly_tickets(self, team, monday, per_week):
        """Tickets of the team created in the weeks before monday, per_week[0] twelve weeks before."""
        Ticket = self.env["service.ticket"].with_context(tracking_disable=True, mail_create_nolog=True)
        for week, count in enumerate(per_week):
            tickets = Ticket.create([{"name": f"w{week}", "team_id": team.id} for _i in range(count)])
            start = datetime.combine(monday - timedelta(weeks=12 - week), datetime.min.time()) + timedelta(hours=10)
            self.env.cr.execute(
                "UPDATE service_ticket SET create_date = %s WHERE id IN %s", [start, tuple(tickets.ids) or (0,)]
            )

    def test_forecast_from_a_growing_weekly_series(self):
        today = date(2030, 6, 12)  # a Wednesday
        monday = today - timedelta(days=today.weekday())
        self._weekly_tickets(self.team, monday, range(1, 13))  # 1, 2, ..., 12 tickets per week
        rows = self.Forecast._forecast(self.team, today=today)
        actual = [row["ticket_count"] for row in rows if row["kind"] == "actual"]
        forecast = [row["ticket_count"] for row in rows if row["kind"] == "forecast"]
        self.assertEqual(actual, list(range(1, 13)))
        self.assertEqual(forecast, [13.0, 14.0, 15.0, 16.0])
        self.assertAlmostEqual(rows[0]["mape"], 0.0, msg="a straight line is predicted exactly")
        self.assertEqual(rows[-1]["week_start"], monday + timedelta(weeks=3))
        self.assertEqual({row["history"] for row in rows}, {"enough"})

    def test_too_little_history_gives_no_error(self):
        today = date(2030, 6, 12)
        monday = today - timedelta(days=today.weekday())
        young = self.env["service.team"].create({"name": "Forecast new desk"})
        self._weekly_tickets(young, monday, [0] * 6 + [1, 0, 3, 4, 5, 6])  # one week before the last four
        rows = self.Forecast._forecast(young, today=today)
        self.assertEqual({(row["history"], row["mape"]) for row in rows}, {("short", 0.0)})
        self.assertEqual([row["ticket_count"] for row in rows if row["kind"] == "actual"][-4:], [3, 4, 5, 6])
        self.assertEqual(self.Forecast._held_out_error([0] * 8 + [3, 4, 5, 6]), (None, "short"))

    def test_default_graph_draws_weeks_with_one_line_per_team(self):
        action = self.Forecast.action_open()
        self.assertFalse(
            [key for key in action.get("context", {}) if key.startswith("search_default_group_by")],
            "a grouping by default would replace the graph's weeks",
        )
        arch = etree.fromstring(self.Forecast.get_view(False, "graph")["arch"])
        rows = [(node.get("name"), node.get("interval")) for node in arch.xpath("//field[not(@type='measure')]")]
        self.assertEqual(rows, [("week_start", "week"), ("team_id", None)])
        list_arch = etree.fromstring(self.Forecast.get_view(False, "list")["arch"])
        [mape] = list_arch.xpath("//field[@name='mape']")
        self.assertEqual(mape.get("invisible"), "history == 'short'", "no error shown without history")

    def test_action_opens_the_graph(self):
        action = self.Forecast.action_open()
        self.assertEqual(action["res_model"], "service.volume.forecast")
        self.assertTrue(self.Forecast.search([("team_id", "=", self.team.id), ("kind", "=", "forecast")]))
