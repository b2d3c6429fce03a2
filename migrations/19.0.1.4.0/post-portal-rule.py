"""19.0.1.4.0 lets the portal read a customer's tickets through one indexed
column: the portal record rule on tickets, which upgrades leave as it was
(noupdate), gets the module's new domain, unless it was changed by hand."""

import logging

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools.misc import file_path

_logger = logging.getLogger(__name__)

RULE = "service_desk.service_ticket_rule_portal"
SHIPPED_BEFORE = (
    "['|', ('partner_id', '=', user.partner_id.id), '&', "
    "('commercial_partner_id', '=', user.partner_id.commercial_partner_id.id), "
    "('commercial_partner_id.service_portal_share_tickets', '=', True)]"
)


def shipped_domain(xmlid):
    """The domain the module's security file gives the rule `xmlid`."""
    arch = etree.parse(file_path("service_desk/security/service_desk_security.xml"))
    name = xmlid.split(".", 1)[1]
    return arch.xpath(f"//record[@id='{name}']/field[@name='domain_force']")[0].text


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref(RULE, raise_if_not_found=False)
    if not rule:
        return
    if rule.domain_force != SHIPPED_BEFORE:
        _logger.warning("%s was changed by hand: its domain is left as it is", RULE)
        return
    rule.domain_force = shipped_domain(RULE)
