import re

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

RECALL_STATES = [("draft", "Draft"), ("launched", "Launched")]
# incidents created (and told) per `create`: one save of the ticket for each 1 000 owners
BATCH_SIZE = 1000


class ServiceRecall(models.Model):
    """A recall of a product, some lots or a list of serial numbers: the
    current owner of each serial is told, once, through a ticket of their
    own.

    Launching opens one *problem* ticket (service_ticket_problem.py) and one
    *incident* of it per owner, listing that owner's serials; each incident
    emails the recall's text to its customer through its own thread (laid
    out in their language) and shows on their portal, where its page names
    the problem. What the problem then says publicly, and its resolution,
    reach every owner as for any problem.

    The *current owner* of a serial is, in this order:

    1. the owner after its latest ownership event (delivery, return,
       transfer: service.lot.ownership, latest by date then id); a serial
       whose latest event is a return is back with us: nobody is contacted
       for it;
    2. else, for a serial with no ownership history (warranties imported
       or made before the history existed), the customer of its latest
       warranty not returned (by start date then id), expired or not;
    3. else nobody: the serial was never delivered.

    Owners are counted by customer company (commercial partner): a company
    owning several of the serials, through several contacts, gets one
    incident and one email."""

    _name = "service.recall"
    _description = "Product Recall"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    state = fields.Selection(RECALL_STATES, default="draft", required=True, readonly=True, tracking=True, copy=False)
    team_id = fields.Many2one(
        "service.team",
        required=True,
        check_company=True,
        default=lambda self: self._default_team(),
        help="Team of the problem ticket and of the owners' incidents.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user if not self.env.user.share else False,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Agent of the problem ticket and of the owners' incidents (without a notice per incident); "
        "empty, the team's routing assigns each incident.",
    )
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        help="Every serial of these products is recalled.",
    )
    lot_ids = fields.Many2many(
        "stock.lot",
        string="Serial Numbers",
        check_company=True,
        domain="[('company_id', 'in', (company_id, False))]",
        help="These serials are recalled (besides those of the products).",
    )
    serial_list = fields.Text(
        string="Paste Serial Numbers",
        help="Serial numbers separated by new lines, commas, semicolons or spaces: added to the serials on "
        "launching (or with Add Serials).",
    )
    body = fields.Html(
        string="Message",
        required=True,
        help="What each owner is emailed and reads on their portal.",
    )
    problem_ticket_id = fields.Many2one(
        "service.ticket",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    incident_ticket_ids = fields.Many2many(
        "service.ticket",
        string="Incidents",
        compute="_compute_incident_ticket_ids",
        help="One ticket per owner told, incidents of the problem ticket.",
    )
    launch_date = fields.Datetime(readonly=True, copy=False)
    informed_count = fields.Integer(string="Informed", compute="_compute_progress")
    replied_count = fields.Integer(string="Replied", compute="_compute_progress")
    resolved_count = fields.Integer(string="Resolved", compute="_compute_progress")

    @api.model
    def _default_team(self):
        return self.env["service.ticket"]._default_team_id()

    @api.depends("problem_ticket_id.incident_ids")
    def _compute_incident_ticket_ids(self):
        for recall in self:
            recall.incident_ticket_ids = recall.problem_ticket_id.incident_ids

    @api.depends("problem_ticket_id")
    def _compute_progress(self):
        progress = self.problem_ticket_id._incident_progress()
        for recall in self:
            informed, replied, resolved = progress.get(recall.problem_ticket_id.id, (0, 0, 0))
            recall.informed_count, recall.replied_count, recall.resolved_count = informed, replied, resolved

    # ------------------------------------------------------------------
    # Serials pasted
    # ------------------------------------------------------------------

    def _lots_of_serial_list(self):
        """The serials named in `serial_list`, of the recall's company (or of
        none); a UserError naming those that are unknown."""
        self.ensure_one()
        names = list(dict.fromkeys(name for name in re.split(r"[\s,;]+", self.serial_list or "") if name))
        if not names:
            return self.env["stock.lot"]
        lots = self.env["stock.lot"].search([("name", "in", names), ("company_id", "in", (self.company_id.id, False))])
        unknown = [name for name in names if name not in set(lots.mapped("name"))]
        if unknown:
            raise UserError(
                self.env._(
                    "Recall %(recall)s: these serial numbers are unknown in %(company)s: %(serials)s.",
                    recall=self.name,
                    company=self.company_id.name,
                    serials=", ".join(unknown),
                )
            )
        return lots

    def action_add_serials(self):
        """Move the pasted serial numbers into the recall's serials."""
        for recall in self:
            recall._check_draft()
            lots = recall._lots_of_serial_list()
            recall.write({"lot_ids": [fields.Command.link(lot.id) for lot in lots], "serial_list": False})
        return True

    # ------------------------------------------------------------------
    # Owners
    # ------------------------------------------------------------------

    def _current_owners(self):
        """{customer company id: [serial ids]} of the recalled serials, in
        ONE query whatever the number of serials and owners (see the
        class's docstring for which owner is current)."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT owner.commercial_partner_id, array_agg(lot.id ORDER BY lot.name, lot.id)
              FROM stock_lot lot
         LEFT JOIN LATERAL (
                    SELECT TRUE AS found, event.partner_id
                      FROM service_lot_ownership event
                     WHERE event.lot_id = lot.id
                  ORDER BY event.date DESC, event.id DESC
                     LIMIT 1
                   ) latest ON TRUE
         LEFT JOIN LATERAL (
                    SELECT warranty.partner_id
                      FROM service_warranty warranty
                     WHERE warranty.lot_id = lot.id
                       AND warranty.company_id = %(company)s
                       AND warranty.state != 'returned'
                  ORDER BY warranty.start_date DESC, warranty.id DESC
                     LIMIT 1
                   ) warranty ON latest.found IS NULL
              JOIN res_partner owner
                ON owner.id = CASE WHEN latest.found THEN latest.partner_id ELSE warranty.partner_id END
             WHERE (lot.id = ANY(%(lots)s) OR lot.product_id = ANY(%(products)s))
               AND (lot.company_id = %(company)s OR lot.company_id IS NULL)
          GROUP BY owner.commercial_partner_id
          ORDER BY owner.commercial_partner_id
            """,
                lots=self._recalled_lot_ids(),
                products=self.product_ids.ids,
                company=self.company_id.id,
            )
        )
        return dict(self.env.cr.fetchall())

    def _recalled_lot_ids(self):
        return (self.lot_ids | self._lots_of_serial_list()).ids

    # ------------------------------------------------------------------
    # Launch
    # ------------------------------------------------------------------

    def _check_draft(self):
        if self.state != "draft":
            raise UserError(self.env._("Recall %s is already launched: its owners were told once.", self.name))

    def _check_launchable(self):
        """Refuse before anything is changed: launched already, nothing
        recalled, nobody to tell. Returns the owners found."""
        self.ensure_one()
        # a second launch running at the same time waits here, then finds the recall launched
        self.env.cr.execute(SQL("SELECT id FROM service_recall WHERE id = %s FOR UPDATE", self.id))
        self.invalidate_recordset(["state"])
        self._check_draft()
        if not self.product_ids and not self.lot_ids and not (self.serial_list or "").strip():
            raise UserError(
                self.env._(
                    "Recall %s recalls nothing: choose products, serial numbers, or paste serial numbers.",
                    self.name,
                )
            )
        owners = self._current_owners()
        if not owners:
            raise UserError(
                self.env._(
                    "Recall %s found no owner: none of its serial numbers was delivered to a customer who "
                    "still has it. Nothing was launched.",
                    self.name,
                )
            )
        return owners

    def action_launch(self):
        """Open the problem ticket and one incident per current owner, and
        tell each owner by email and on their portal. Refused, with nothing
        changed, when launched already, recalling nothing, or with no owner."""
        for recall in self:
            owners = recall._check_launchable()
            lots = recall.lot_ids | recall._lots_of_serial_list()
            problem = recall._create_problem_ticket()
            recall.write(
                {
                    "state": "launched",
                    "launch_date": fields.Datetime.now(),
                    "problem_ticket_id": problem.id,
                    "lot_ids": [fields.Command.set(lots.ids)],
                    "serial_list": False,
                }
            )
            recall._create_incidents(problem, owners)
            recall.message_post(
                body=self.env._(
                    "Recall launched: %(count)s owners told through %(problem)s.",
                    count=len(owners),
                    problem=problem.number,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _ticket_values(self):
        """What the problem ticket and every incident share."""
        product = self.product_ids[:1] if len(self.product_ids) == 1 else self.env["product.product"]
        return {
            "name": self.name,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "ticket_type": "incident",
            "channel": "web",
            "product_id": product.id,
            "user_id": self.user_id.id,
        }

    def _create_problem_ticket(self):
        return self.env["service.ticket"].create(self._ticket_values() | {"description": self.body})

    def _create_incidents(self, problem, owners):
        """One incident of `problem` per owner, listing their serials, and
        the recall's text posted on each as a public reply: mail emails it
        to the customer through the incident's thread, in their language.
        A create and a round of posts per batch of BATCH_SIZE owners, each
        batch written and dropped from the cache before the next; the
        emails are queued in mail's queue (service_queue_notifications),
        rendered and sent by its cron, not in this request. The incidents
        are created without the first stage's acknowledgement (mail_notrack):
        the recall's own email is the first the owner gets."""
        Ticket = self.env["service.ticket"]
        Lot = self.env["stock.lot"]
        common = self._ticket_values() | {"problem_id": problem.id}
        items = list(owners.items())
        for start in range(0, len(items), BATCH_SIZE):
            batch = items[start : start + BATCH_SIZE]
            all_lots = Lot.browse([lot_id for __, lot_ids in batch for lot_id in lot_ids])
            all_lots.fetch(["name", "product_id"])
            owners_of_batch = self.env["res.partner"].browse([partner_id for partner_id, __ in batch])
            owners_of_batch.fetch(["lang"])
            values_list = []
            for partner_id, lot_ids in batch:
                lots = Lot.browse(lot_ids)
                values_list.append(
                    common
                    | {
                        "partner_id": partner_id,
                        "lot_id": lots.id if len(lots) == 1 else False,
                        "product_id": lots.product_id.id if len(lots.product_id) == 1 else common["product_id"],
                        "description": self._incident_description(lots, self.env["res.partner"].browse(partner_id)),
                    }
                )
            incidents = (
                Ticket.with_context(mail_notrack=True, mail_auto_subscribe_no_notify=True)
                .create(values_list)
                .with_env(Ticket.env)
            )
            self._tell_owners(incidents)
            # written, then forgotten: the next batch works with a cache of its own size, not with
            # every incident, message and follower of the batches before it
            self.env.flush_all()
            self.env.invalidate_all()

    def _incident_description(self, lots, owner):
        """The recall's text and the list of `owner`'s serials, introduced in their language."""
        items = Markup("").join(Markup("<li>%s</li>") % lot.display_name for lot in lots)
        intro = self.with_context(lang=owner.lang or None).env._("Your serial numbers concerned:")
        return self.body + Markup("<p>%s</p><ul>%s</ul>") % (intro, items)

    def _tell_owners(self, incidents):
        """The recall's text on each incident, as the responsible agent's
        public reply to its customer (the launching user's without one),
        with the serials concerned. The replies are dated alike, their
        addresses are found for the batch at once, and what an
        agent's reply changes on a ticket (its response targets met, its
        reply dates: ``_service_agent_replied``) is done once for the
        batch rather than by each post."""
        author = self.user_id.partner_id or self.env.user.partner_id
        when = fields.Datetime.now()
        posting = incidents.with_context(
            service_queue_notifications=True,
            service_problem_shared=True,
            # the conversation's rule is applied below, to the whole batch
            service_customer_rule_applied=True,
        )
        # the replies' addresses for the whole batch at once (mail looks them up for each post otherwise)
        author_id, email_from = posting._message_compute_author(author.id)
        reply_to = posting._notify_get_reply_to(default=email_from, author_id=author_id)
        for incident in posting:
            incident.message_post(
                body=incident.description,
                author_id=author_id,
                email_from=email_from,
                reply_to=reply_to[incident.id],
                date=when,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        incidents._service_agent_replied(when)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_open_incidents(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Incidents of recall %s", self.name),
            "res_model": "service.ticket",
            "view_mode": "list,form",
            "domain": [("problem_id", "=", self.problem_ticket_id.id)]
            if self.problem_ticket_id
            else [("id", "=", False)],
            "context": {"create": False},
        }

    def action_open_problem(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "service.ticket",
            "view_mode": "form",
            "res_id": self.problem_ticket_id.id,
        }

    @api.model
    def _action_new(self, values):
        """The recall form, new, filled with `values` (from a product or a serial)."""
        context = {
            f"default_{name}": [fields.Command.set(value)] if name.endswith("_ids") else value
            for name, value in values.items()
        }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Recall"),
            "res_model": "service.recall",
            "view_mode": "form",
            "target": "current",
            "context": context,
        }


class ServiceTicketRecallProgress(models.Model):
    """A problem's progress with its incidents: how many customers were
    told, wrote back, and had their incident resolved."""

    _inherit = "service.ticket"

    incident_replied_count = fields.Integer(string="Incidents Replied", compute="_compute_incident_progress")
    incident_resolved_count = fields.Integer(string="Incidents Resolved", compute="_compute_incident_progress")

    def _incident_progress(self):
        """{problem id: (incidents, replied, resolved)} in one query: replied
        when their customer wrote after the incident was opened
        (last_customer_message_date set), resolved when in a resolved or
        closed stage."""
        if not self.ids:
            return {}
        # sudo: counts only, of the problem's incidents whichever team handles them
        rows = (
            self.env["service.ticket"]
            .sudo()
            ._read_group(
                [("problem_id", "in", self.ids)],
                ["problem_id", "is_resolved", "is_closed"],
                ["__count", "last_customer_message_date:count"],
            )
        )
        progress = {}
        for problem, resolved, closed, count, replied in rows:
            informed, replied_total, resolved_total = progress.get(problem.id, (0, 0, 0))
            progress[problem.id] = (
                informed + count,
                replied_total + replied,
                resolved_total + (count if resolved or closed else 0),
            )
        return progress

    def _compute_incident_progress(self):
        progress = self._incident_progress()
        for ticket in self:
            __, replied, resolved = progress.get(ticket.id, (0, 0, 0))
            ticket.incident_replied_count, ticket.incident_resolved_count = replied, resolved


class ProductProductRecall(models.Model):
    _inherit = "product.product"

    def action_service_recall(self):
        return self.env["service.recall"]._action_new(
            {"product_ids": self.ids, "name": self.env._("Recall of %s", self[:1].display_name)}
        )


class ProductTemplateRecall(models.Model):
    _inherit = "product.template"

    def action_service_recall(self):
        return self.product_variant_ids.action_service_recall()


class StockLotRecall(models.Model):
    _inherit = "stock.lot"

    def action_service_recall(self):
        return self.env["service.recall"]._action_new(
            {
                "lot_ids": self.ids,
                "name": self.env._("Recall of %s", ", ".join(self.mapped("name"))),
                "company_id": self[:1].company_id.id or self.env.company.id,
            }
        )
