"""Ticket volume forecast on synthetic series with known answers."""

from datetime import date, datetime, timedelta

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

    def test_forecast_from_a_growing_weekly_series(self):
        today = date(2030, 6, 12)  # a Wednesday
        monday = today - timedelta(days=today.weekday())
        Ticket = self.env["service.ticket"].with_context(tracking_disable=True, mail_create_nolog=True)
        values = []
        for week in range(12):  # 1, 2, ..., 12 tickets per week
            values += [{"name": f"w{week}", "team_id": self.team.id} for _i in range(week + 1)]
        tickets = Ticket.create(values)
        index = 0
        for week in range(12):
            start = datetime.combine(monday - timedelta(weeks=12 - week), datetime.min.time()) + timedelta(hours=10)
            for _i in range(week + 1):
                self.env.cr.execute(
                    "UPDATE service_ticket SET create_date = %s WHERE id = %s", [start, tickets[index].id]
                )
                index += 1
        rows = self.Forecast._forecast(self.team, today=today)
        actual = [row["ticket_count"] for row in rows if row["kind"] == "actual"]
        forecast = [row["ticket_count"] for row in rows if row["kind"] == "forecast"]
        self.assertEqual(actual, list(range(1, 13)))
        self.assertEqual(forecast, [13.0, 14.0, 15.0, 16.0])
        self.assertAlmostEqual(rows[0]["mape"], 0.0, msg="a straight line is predicted exactly")
        self.assertEqual(rows[-1]["week_start"], monday + timedelta(weeks=3))

    def test_action_opens_the_graph(self):
        action = self.Forecast.action_open()
        self.assertEqual(action["res_model"], "service.volume.forecast")
        self.assertTrue(self.Forecast.search([("team_id", "=", self.team.id), ("kind", "=", "forecast")]))
