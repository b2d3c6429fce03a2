from odoo import models


class ServiceSlaRuleMixin(models.AbstractModel):
    """Records SLA targets are planned from (policies, their ladders' levels
    and the ticket types their conditions name), which every worker caches
    under the companies' SLA rules version (service.sla.policy.
    _matching_rules and _ladder_rules): creating, changing or deleting one
    renews that version (res.company._service_renew_sla_rules), so the next
    ticket is planned from fresh rules."""

    _name = "service.sla.rule.mixin"
    _inherit = ["service.cache.source"]
    _description = "Cached SLA Rules"

    _service_cache_renewal = "_service_renew_sla_rules"
