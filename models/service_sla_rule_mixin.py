from odoo import api, models


class ServiceSlaRuleMixin(models.AbstractModel):
    """Records SLA targets are planned from (policies, their ladders' levels
    and the ticket types their conditions name), which every worker caches under the companies' SLA rules
    version (service.sla.policy._matching_rules and _ladder_rules): creating,
    changing or deleting one renews that version
    (res.company._service_renew_sla_rules), so the next ticket is planned
    from fresh rules."""

    _name = "service.sla.rule.mixin"
    _description = "Cached SLA Rules"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env["res.company"]._service_renew_sla_rules()
        return records

    def write(self, vals):
        result = super().write(vals)
        if self._sla_rules_changed(vals):
            self.env["res.company"]._service_renew_sla_rules()
        return result

    def unlink(self):
        result = super().unlink()
        self.env["res.company"]._service_renew_sla_rules()
        return result

    @api.model
    def _sla_rules_changed(self, vals):
        """Whether writing `vals` changes what is cached: any field, unless
        the model knows better."""
        return True
