"""19.0.1.1.0 keeps every routing decision of a ticket: the explanation each
ticket stored until then becomes the first decision of its history."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if version:
        api.Environment(cr, SUPERUSER_ID, {})["service.ticket.routing.decision"]._adopt_written_explanations()
