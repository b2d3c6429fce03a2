from datetime import UTC, datetime, time, timedelta

from odoo import api, fields, models


class ServiceReviewReport(models.AbstractModel):
    """A printable service review of a customer for a period: volumes,
    service levels, satisfaction and the tickets themselves."""

    _name = "report.service_desk.report_service_review"
    _description = "Customer Service Review"

    @api.model
    def _review_period(self, data):
        date_to = fields.Date.to_date((data or {}).get("date_to")) or fields.Date.context_today(self)
        date_from = fields.Date.to_date((data or {}).get("date_from")) or date_to - timedelta(days=90)
        return date_from, date_to

    @api.model
    def _review_window(self, date_from, date_to):
        """The period's days as UTC datetimes, from the first day's midnight
        to the midnight after the last, in the reader's time zone: the days
        the remedies are dated in."""
        tz = self.env.tz
        bounds = (date_from, date_to + timedelta(days=1))
        return [tz.localize(datetime.combine(day, time.min)).astimezone(UTC).replace(tzinfo=None) for day in bounds]

    @api.model
    def _review_of(self, partner, date_from, date_to):
        # sudo: a customer's review for managers, of the companies they opened only (the domain below)
        Report = self.env["service.ticket.report"].sudo()
        start, end = self._review_window(date_from, date_to)
        domain = [
            ("partner_id", "=", partner.commercial_partner_id.id),
            ("company_id", "in", self.env.companies.ids),
            ("create_date", ">=", start),
            ("create_date", "<", end),
        ]
        [(count, compliance, first_response, resolution, rating, fcr)] = Report._read_group(
            domain,
            [],
            [
                "ticket_count:sum",
                "sla_compliance:avg",
                "first_response_hours_median:median",
                "resolution_hours_median:median",
                "rating:avg",
                "fcr_rate:avg",
            ],
        )
        by_channel = Report._read_group(domain, ["channel"], ["ticket_count:sum"])
        rows = Report.search(domain, order="create_date")
        channels = dict(Report._fields["channel"].selection)
        return {
            "partner": partner.commercial_partner_id,
            "ticket_count": count or 0,
            "resolved_count": len(rows.filtered("resolved_date")),
            "open_count": len(rows.filtered(lambda row: row.is_open and not row.resolved_date)),
            "sla_compliance": compliance,
            "first_response_median": first_response,
            "resolution_median": resolution,
            "rating": rating,
            "fcr_rate": fcr,
            "by_channel": [(channels.get(channel, channel), total) for channel, total in by_channel],
            "tickets": rows,
        }

    @api.model
    def _review_remedies(self, partners, date_from, date_to):
        """{commercial partner id: remedies of its tickets in the period}
        for all the reviewed customers at once, from the cost of service."""
        # sudo: the customers' remedies for managers, of the companies they opened only (the domain below)
        Report = self.env["service.remedy.report"].sudo()
        rows = Report._read_group(
            [
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("company_id", "in", self.env.companies.ids),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            ["partner_id"],
            [
                "return_quantity:sum",
                "replacement_quantity:sum",
                "credit_note_id:count_distinct",
                "refund_amount:sum",
                "repair_free_count:sum",
                "repair_paid_count:sum",
                "repair_paid_amount:sum",
            ],
        )
        keys = (
            "returned",
            "replaced",
            "credit_note_count",
            "credited",
            "repair_free_count",
            "repair_paid_count",
            "repair_paid_amount",
        )
        return {partner.id: dict(zip(keys, values, strict=True)) for partner, *values in rows}

    @api.model
    def _get_report_values(self, docids, data=None):
        # Odoo renders a report for whoever asks its URL: the review reads
        # every team's tickets as superuser, so it checks the managers' group
        self.env["service.ticket"]._service_check_manager()
        date_from, date_to = self._review_period(data)
        partners = self.env["res.partner"].browse(docids or (data or {}).get("partner_ids", []))
        remedies = self._review_remedies(partners, date_from, date_to)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "date_from": date_from,
            "date_to": date_to,
            "reviews": {partner.id: self._review_of(partner, date_from, date_to) for partner in partners},
            "remedies": {partner.id: remedies.get(partner.commercial_partner_id.id) for partner in partners},
            "currency": self.env.company.currency_id,
        }
