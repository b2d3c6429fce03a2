from odoo import api, fields, models

from .cache_version import create_version_sequence, renew_company_version


class ResCompany(models.Model):
    _inherit = "res.company"

    service_sla_rules_version = fields.Integer(
        string="SLA Conditions Version",
        readonly=True,
        copy=False,
        help="Renewed by every change of an SLA policy's conditions or order, or of a ticket type: "
        "the conditions cached for choosing a ticket's policy are kept under it.",
    )

    def init(self):
        super().init()
        create_version_sequence(self.env.cr)

    @api.model
    def _service_renew_sla_rules(self):
        """Give the cached conditions of the SLA policies a new version, on
        every company at once (the conditions are cached for all companies
        together): every worker reads it with its current company, which a
        request reads anyway, and matches its next ticket against fresh
        conditions."""
        renew_company_version(self.env, "service_sla_rules_version")
