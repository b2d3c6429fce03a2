from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command, Domain

# the relation table of linked tickets: one row per link, whichever ticket it was made on
LINK_TABLE = "service_ticket_link_rel"


class ServiceTicket(models.Model):
    """Linked tickets and problems.

    Links: two tickets about related matters. A link is one row of
    ``service_ticket_link_rel`` (the ticket it was made on, the other one);
    ``linked_ticket_ids`` reads both columns, so that a link shows on both
    tickets, and either ticket may remove it.

    Problems: one ticket is the *problem* (the root cause) of several
    *incidents* (the customers' reports of it). The rule that keeps this a
    tree one level deep, hence without loops: a ticket is either a problem
    or an incident, never both (an incident cannot have incidents, a
    problem cannot have a problem); a ticket is not its own problem; a
    problem and its incidents belong to one company.

    - an agent's public reply on a problem is posted on each of its open
      incidents (``_problem_share_reply``), so that each customer gets it
      through their own ticket, in their language, as an agent's answer;
    - a problem entering a resolved stage resolves its open incidents
      (``_problem_resolve_incidents``, a step of ``write``), each through
      the ticket's one save path: SLA targets met at that moment, the
      resolved stage's email to each customer.
    """

    _inherit = "service.ticket"

    linked_to_ids = fields.Many2many(
        "service.ticket",
        LINK_TABLE,
        "ticket_id",
        "linked_id",
        string="Links Made Here",
        copy=False,
    )
    linked_from_ids = fields.Many2many(
        "service.ticket",
        LINK_TABLE,
        "linked_id",
        "ticket_id",
        string="Links Made There",
        copy=False,
    )
    linked_ticket_ids = fields.Many2many(
        "service.ticket",
        string="Linked Tickets",
        compute="_compute_linked_ticket_ids",
        inverse="_inverse_linked_ticket_ids",
        search="_search_linked_ticket_ids",
        help="Tickets about related matters. A link shows on both tickets.",
    )
    problem_id = fields.Many2one(
        "service.ticket",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
        tracking=True,
        domain="[('id', '!=', id), ('problem_id', '=', False), ('company_id', '=', company_id)]",
        help="The ticket that handles the cause of this one: its public replies and its resolution reach this "
        "ticket's customer.",
    )
    incident_ids = fields.One2many(
        "service.ticket",
        "problem_id",
        string="Incidents",
        help="The tickets this problem causes: each customer gets the problem's public replies and its resolution.",
    )
    is_problem = fields.Boolean(
        string="Is a Problem",
        compute="_compute_is_problem",
        store=True,
        help="Whether other tickets are incidents of this one.",
    )
    incident_count = fields.Integer(compute="_compute_incident_count")

    # ------------------------------------------------------------------
    # Links
    # ------------------------------------------------------------------

    @api.depends("linked_to_ids", "linked_from_ids")
    def _compute_linked_ticket_ids(self):
        for ticket in self:
            ticket.linked_ticket_ids = ticket.linked_to_ids | ticket.linked_from_ids

    def _inverse_linked_ticket_ids(self):
        """Save the links shown: a new link is made on this ticket, a link
        removed goes whichever ticket it was made on."""
        for ticket in self:
            wanted = ticket.linked_ticket_ids
            if ticket in wanted:
                raise ValidationError(self.env._("Ticket %s cannot be linked to itself.", ticket.display_name))
            made_here = (ticket.linked_to_ids & wanted) | (wanted - ticket.linked_from_ids)
            made_there = ticket.linked_from_ids & wanted
            values = {}
            if made_here != ticket.linked_to_ids:
                values["linked_to_ids"] = [Command.set(made_here.ids)]
            if made_there != ticket.linked_from_ids:
                values["linked_from_ids"] = [Command.set(made_there.ids)]
            if values:
                ticket.write(values)

    def _search_linked_ticket_ids(self, operator, value):
        domains = [Domain("linked_to_ids", operator, value), Domain("linked_from_ids", operator, value)]
        if operator in Domain.NEGATIVE_OPERATORS:
            return Domain.AND(domains)
        return Domain.OR(domains)

    @api.constrains("linked_to_ids")
    def _check_not_linked_to_itself(self):
        for ticket in self:
            if ticket in ticket.linked_to_ids:
                raise ValidationError(self.env._("Ticket %s cannot be linked to itself.", ticket.display_name))

    # ------------------------------------------------------------------
    # Problems and incidents
    # ------------------------------------------------------------------

    @api.depends("incident_ids")
    def _compute_is_problem(self):
        for ticket in self:
            ticket.is_problem = bool(ticket.incident_ids)

    @api.depends("incident_ids")
    def _compute_incident_count(self):
        counts = dict(
            self.env["service.ticket"]._read_group([("problem_id", "in", self.ids)], ["problem_id"], ["__count"])
        )
        for ticket in self:
            ticket.incident_count = counts.get(ticket, 0)

    @api.constrains("problem_id", "company_id")
    def _check_problem(self):
        """A ticket is either a problem or an incident, of one company: no
        ticket is its own problem, no loop nor chain of problems."""
        for ticket in self:
            problem = ticket.problem_id
            if problem == ticket:
                raise ValidationError(self.env._("Ticket %s cannot be its own problem.", ticket.display_name))
            if problem and problem.problem_id == ticket:
                raise ValidationError(
                    self.env._(
                        "Ticket %(problem)s is an incident of %(ticket)s: %(ticket)s cannot be its incident too "
                        "(a loop of problems).",
                        problem=problem.display_name,
                        ticket=ticket.display_name,
                    )
                )
            if problem and problem.problem_id:
                raise ValidationError(
                    self.env._(
                        "Ticket %(problem)s is an incident of %(its_problem)s: it cannot be the problem of "
                        "%(ticket)s. Choose %(its_problem)s as the problem instead.",
                        problem=problem.display_name,
                        its_problem=problem.problem_id.display_name,
                        ticket=ticket.display_name,
                    )
                )
            if problem and ticket.incident_ids:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s is the problem of other tickets: it cannot be an incident of %(problem)s.",
                        ticket=ticket.display_name,
                        problem=problem.display_name,
                    )
                )
            if problem and problem.company_id != ticket.company_id:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s belongs to %(company)s but its problem %(problem)s to %(problem_company)s: "
                        "a problem and its incidents belong to one company.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.name,
                        problem=problem.display_name,
                        problem_company=problem.company_id.name,
                    )
                )
            other_company = ticket.incident_ids.filtered(lambda incident: incident.company_id != ticket.company_id)
            if other_company:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s belongs to %(company)s but its incident %(incident)s to "
                        "%(incident_company)s: a problem and its incidents belong to one company.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.name,
                        incident=other_company[0].display_name,
                        incident_company=other_company[0].company_id.name,
                    )
                )

    def _problem_open_incidents(self):
        """The incidents of these problems that are neither resolved nor closed."""
        # sudo: the problem's incidents, whichever team handles them: what the problem decides reaches them all
        return self.sudo().incident_ids.filtered(lambda incident: not incident.is_resolved and not incident.is_closed)

    def _problem_share_reply(self, message):
        """An agent's public reply `message` on these problems reaches the
        customer of each open incident: the same text and files, posted on
        the incident in the same author's name, so that mail emails it
        through the incident's own thread, laid out in the customer's
        language, and it counts as the agent's answer on the incident (its
        first or next response target is met). The copies are not shared
        again."""
        if self.env.context.get("service_problem_shared"):
            return
        incidents = self.filtered("is_problem")._problem_open_incidents()
        if not incidents:
            return
        # sudo: the files of the message just posted, copied with it
        files = [(attachment.name, attachment.raw) for attachment in message.sudo().attachment_ids]
        for incident in incidents.with_context(service_problem_shared=True):
            incident.message_post(
                body=message.body,
                author_id=message.author_id.id,
                email_from=message.email_from,
                message_type="comment",
                subtype_id=message.subtype_id.id,
                attachments=list(files),
            )

    def _problem_resolve_incidents(self):
        """A step of write, on tickets that just entered a resolved stage:
        the open incidents of those that are problems move to their team's
        resolved stage, in one save per stage, through the ticket's save
        path (their SLA targets met now, their customers sent the stage's
        email as any resolution)."""
        incidents = self.filtered("is_problem")._problem_open_incidents()
        if not incidents:
            return
        teams = incidents.team_id
        # the resolved stages of all these teams, in the stages' order, in one search
        stages = self.env["service.stage"].search(
            [
                ("is_resolved", "=", True),
                ("is_closed", "=", False),
                "|",
                ("team_ids", "=", False),
                ("team_ids", "in", teams.ids),
            ]
        )
        stage_of = {
            team: stages.filtered(lambda s, team=team: not s.team_ids or team in s.team_ids)[:1] for team in teams
        }
        for stage, group in incidents.grouped(lambda incident: stage_of[incident.team_id]).items():
            if stage:
                group.write({"stage_id": stage.id})

    def action_open_incidents(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Incidents of %s", self.number),
            "res_model": "service.ticket",
            "view_mode": "list,form",
            "domain": [("problem_id", "=", self.id)],
            "context": {"default_problem_id": self.id, "default_team_id": self.team_id.id},
        }

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------

    def _portal_problem_summary(self, user):
        """What an incident's portal page tells `user` about its problem:
        its number, title and state, and a link only when they may open
        the problem itself (it may be another customer's ticket; an
        anonymous visitor with the incident's link gets none), else nothing
        of it. An empty dict when the ticket has no problem."""
        self.ensure_one()
        # sudo: the problem's number, title and stage only, whoever's ticket it is
        problem = self.sudo().problem_id
        if not problem:
            return {}
        if problem.is_closed:
            state = self.env._("closed")
        elif problem.is_resolved:
            state = self.env._("resolved")
        else:
            state = self.env._("being worked on")
        readable = not user._is_public() and problem.with_user(user).has_access("read")
        return {
            "number": problem.number,
            "name": problem.name,
            "stage": problem.stage_id.name,
            "state": state,
            "url": problem.access_url if readable else False,
        }
