"""The one fixture base of the service desk tests; no test module imports
another.

Everything the assertions rely on is built here, so the tests hold on a
database with or without demo data. ``ServiceDeskCommon``: two companies,
three teams, a manager, agents of each team, an internal user without
service rights, customer companies with portal contacts, and class-method
factories (tickets, calendars, stock deliveries and returns). Only the
stages come from the addon's data (xml ids ``service_desk.stage_*``): they
are the pipeline every team uses. On top of it, one base per feature:
email intake, customer 360° (products with warranty terms), portal
(delivered serials), and ``WorkerCase`` for tests that play several Odoo
workers with real transactions.
"""

from contextlib import closing, contextmanager
from datetime import date, datetime, timezone
from email.utils import format_datetime
from unittest.mock import patch
from uuid import uuid4

from freezegun import freeze_time

from odoo import Command, api, http, sql_db
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase, TransactionCase
from odoo.tests.common import get_db_name
from odoo.tools import email_normalize

from odoo.addons.mail.tests.common import MailCommon, mail_new_test_user

# keeps fixture creation quiet: no creation log, no tracking, no follower
FIXTURE_CONTEXT = {
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}

SD_ALIAS_DOMAIN = "sd-test.example.com"

# 2026-11-20 is a Friday; the calendars below work Monday to Friday, 8-12 and 13-17
FRIDAY = datetime(2026, 11, 20)


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute)


def watching_cache_clears():
    """A spy on registry-wide cache clears, which still clear."""
    return patch.object(Registry, "clear_cache", autospec=True, side_effect=Registry.clear_cache)


# a Wednesday, after any date the test database could have been created on, so
# that employees' contract versions (dated on creation) already apply
WEDNESDAY_10 = datetime(2030, 1, 9, 10, 0)
WEDNESDAY_20 = datetime(2030, 1, 9, 20, 0)
# the start of the week (a cached window of working periods) holding them
MONDAY = datetime(2030, 1, 7)


@contextmanager
def watching_caches(registry):
    """Spies on (registry-wide cache clears, computations of a calendar's
    working periods); both still do their work."""
    Calendar = registry["resource.calendar"]
    with (
        patch.object(Registry, "clear_cache", autospec=True, side_effect=Registry.clear_cache) as clears,
        patch.object(
            Calendar, "_work_intervals_batch", autospec=True, side_effect=Calendar._work_intervals_batch
        ) as computed,
    ):
        yield clears, computed


def computed_calendars(computed):
    """The calendars whose working periods the spy saw computed."""
    return {call.args[0].id for call in computed.call_args_list}


class ServiceDeskFactories(TransactionCase):
    """Class-method factories every fixture base shares."""

    @classmethod
    def _create_calendar(cls, name, hours=None, days=range(5), tz="UTC", company=None):
        """A working calendar without holidays (a new calendar copies its
        company's): from `hours` (from, to) to each of `days` (0 is Monday),
        else Odoo's default week (Monday to Friday, 8-12 and 13-17)."""
        values = {"name": name, "tz": tz, "company_id": (company or cls.env.company).id}
        if hours:
            values["attendance_ids"] = [
                Command.create(
                    {"name": f"{name} {day}", "dayofweek": str(day), "hour_from": hours[0], "hour_to": hours[1]}
                )
                for day in days
            ]
        calendar = cls.env["resource.calendar"].create(values)
        calendar.leave_ids.unlink()
        return calendar


class ServiceDeskCommon(ServiceDeskFactories):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.company = cls.env.company
        cls.company_other = env["res.company"].create(
            {
                "name": "SD Other Company",
                "email": "desk@other-company.example.com",
            }
        )

        # An alias domain for the main company, so team aliases have an address
        # (a fresh database has none).
        if not cls.company.alias_domain_id:
            cls.company.alias_domain_id = env["mail.alias.domain"].create(
                {
                    "name": SD_ALIAS_DOMAIN,
                    "company_ids": [Command.link(cls.company.id)],
                }
            )
        cls.alias_domain = cls.company.alias_domain_id

        cls.stage_new = cls.env.ref("service_desk.stage_new")
        cls.stage_in_progress = cls.env.ref("service_desk.stage_in_progress")
        cls.stage_waiting = cls.env.ref("service_desk.stage_waiting")
        cls.stage_resolved = cls.env.ref("service_desk.stage_resolved")
        cls.stage_closed = cls.env.ref("service_desk.stage_closed")
        cls.stage_cancelled = cls.env.ref("service_desk.stage_cancelled")
        cls.stages = (
            cls.stage_new
            | cls.stage_in_progress
            | cls.stage_waiting
            | cls.stage_resolved
            | cls.stage_closed
            | cls.stage_cancelled
        )

        # Users. Passwords equal logins (needed by HttpCase.authenticate).
        def user(login, name, groups, company, companies=None, **values):
            return mail_new_test_user(
                env,
                login=login,
                name=name,
                groups=groups,
                email=f"{login}@sd-users.example.com",
                company_id=company.id,
                company_ids=[Command.set((companies or company).ids)],
                notification_type="email",
                tz="Europe/Brussels",
                **values,
            )

        cls.user_manager = user(
            "sd_manager",
            "Mona Manager",
            "base.group_user,service_desk.group_service_manager",
            cls.company,
        )
        cls.user_manager_mc = user(
            "sd_manager_mc",
            "Marc Multicompany",
            "base.group_user,service_desk.group_service_manager",
            cls.company,
            companies=cls.company | cls.company_other,
        )
        cls.user_agent_a = user("sd_agent_a", "Alice Agent", "service_desk.group_service_user", cls.company)
        cls.user_agent_b = user("sd_agent_b", "Bob Agent", "service_desk.group_service_user", cls.company)
        cls.user_agent_other = user(
            "sd_agent_other",
            "Olga Agent",
            "service_desk.group_service_user",
            cls.company_other,
        )
        cls.user_internal = user("sd_internal", "Ivan Internal", "base.group_user", cls.company)

        # Teams, all on the addon's pipeline (linked explicitly: a team
        # created without stages would rely on the team's stage default).
        Team = env["service.team"].with_context(tracking_disable=True)
        cls.team_a = Team.create(
            {
                "name": "SD Team A",
                "sequence": 50,
                "company_id": cls.company.id,
                "alias_name": "sd-team-a",
                "stage_ids": [Command.set(cls.stages.ids)],
                "member_ids": [Command.create({"user_id": cls.user_agent_a.id})],
            }
        )
        cls.team_b = Team.create(
            {
                "name": "SD Team B",
                "sequence": 51,
                "company_id": cls.company.id,
                "alias_name": "sd-team-b",
                "stage_ids": [Command.set(cls.stages.ids)],
                "member_ids": [Command.create({"user_id": cls.user_agent_b.id})],
            }
        )
        cls.team_other = Team.create(
            {
                "name": "SD Team Other Company",
                "sequence": 52,
                "company_id": cls.company_other.id,
                "stage_ids": [Command.set(cls.stages.ids)],
                "member_ids": [Command.create({"user_id": cls.user_agent_other.id})],
            }
        )
        cls.member_a = cls.team_a.member_ids
        cls.member_b = cls.team_b.member_ids
        cls.member_other = cls.team_other.member_ids

        # Customers: two companies with contacts, portal users among them.
        Partner = env["res.partner"]
        cls.customer_a = Partner.create(
            {
                "name": "SD Customer A Inc.",
                "is_company": True,
                "email": "contact@customer-a.example.com",
            }
        )
        cls.customer_a_contact = Partner.create(
            {
                "name": "Carla Customer",
                "parent_id": cls.customer_a.id,
                "email": "carla@customer-a.example.com",
            }
        )
        cls.customer_b = Partner.create(
            {
                "name": "SD Customer B Ltd.",
                "is_company": True,
                "email": "contact@customer-b.example.com",
            }
        )
        cls.customer_b_contact = Partner.create(
            {
                "name": "Boris Customer",
                "parent_id": cls.customer_b.id,
                "email": "boris@customer-b.example.com",
            }
        )
        cls.user_portal_a = mail_new_test_user(
            env,
            login="sd_portal_a",
            name="Paula Portal",
            groups="base.group_portal",
            email="paula@customer-a.example.com",
            company_id=cls.company.id,
            parent_id=cls.customer_a.id,
            notification_type="email",
        )
        cls.user_portal_b = mail_new_test_user(
            env,
            login="sd_portal_b",
            name="Pierre Portal",
            groups="base.group_portal",
            email="pierre@customer-b.example.com",
            company_id=cls.company.id,
            parent_id=cls.customer_b.id,
            notification_type="email",
        )
        cls.partner_portal_a = cls.user_portal_a.partner_id
        cls.partner_portal_b = cls.user_portal_b.partner_id
        cls.user_public = cls.env.ref("base.public_user")
        cls.warehouse = env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id

    @classmethod
    def _stock_serials(cls, product, names):
        lots = cls.env["stock.lot"].create(
            [{"name": name, "product_id": product.id, "company_id": cls.company.id} for name in names]
        )
        for lot in lots:
            cls.env["stock.quant"]._update_available_quantity(product, cls.stock_location, 1.0, lot_id=lot)
        return lots

    @classmethod
    def _stock(cls, product, quantity):
        cls.env["stock.quant"]._update_available_quantity(product, cls.stock_location, quantity)

    @classmethod
    def _sell(cls, partner, lines, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _validate(cls, picking, lots=None, quantities=None):
        """Pick and validate `picking`: only `lots` for serial products when
        given, `quantities` {product: qty} for the others (the rest goes to a
        backorder)."""
        picking.action_assign()
        for move in picking.move_ids:
            if lots is not None and move.product_id.tracking == "serial":
                move.move_line_ids.filtered(lambda ml: ml.lot_id not in lots).unlink()
                missing = lots.filtered(lambda lot: lot.product_id == move.product_id) - move.move_line_ids.lot_id
                for lot in missing:
                    cls.env["stock.move.line"].create(
                        {
                            "move_id": move.id,
                            "picking_id": picking.id,
                            "product_id": move.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 1.0,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
            if quantities and move.product_id in quantities:
                move.quantity = quantities[move.product_id]
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        return picking

    @classmethod
    def _deliver(cls, order, lots=None, quantities=None):
        """Validate the next delivery of `order` (see _validate)."""
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]
        return cls._validate(picking, lots=lots, quantities=quantities)

    @classmethod
    def _return(cls, picking, quantities, lots=None):
        """Return {product: qty} of a done delivery (serials `lots`)."""
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(
                active_id=picking.id,
                active_ids=picking.ids,
                active_model="stock.picking",
            )
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.product_id, 0.0)
        action = wizard.action_create_returns()
        returned = cls.env["stock.picking"].browse(action["res_id"])
        for move in returned.move_ids:
            if move.product_id.tracking == "serial":
                move.move_line_ids.unlink()
                for lot in (lots or cls.env["stock.lot"]).filtered(lambda lot: lot.product_id == move.product_id):
                    cls.env["stock.move.line"].create(
                        {
                            "move_id": move.id,
                            "picking_id": returned.id,
                            "product_id": move.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 1.0,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
        returned.move_ids.picked = True
        returned.with_context(skip_backorder=True, skip_sms=True).button_validate()
        return returned

    @classmethod
    def _deliver_lot(cls, partner, lot):
        """Deliver one serial to `partner` without a sale order."""
        customers = cls.env.ref("stock.stock_location_customers")
        cls.env["stock.quant"]._update_available_quantity(lot.product_id, cls.stock_location, 1, lot_id=lot)
        picking = cls.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": cls.warehouse.out_type_id.id,
                "location_id": cls.stock_location.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "product_uom_qty": 1,
                            "location_id": cls.stock_location.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        cls._validate(picking, lots=lot)
        assert picking.state == "done", picking.state
        return picking

    @classmethod
    def _create_ticket(cls, team=None, **values):
        """A ticket of team (team A by default), created quietly as superuser."""
        values.setdefault("name", "Printer does not start")
        values.setdefault("team_id", (team or cls.team_a).id)
        tickets = cls.env["service.ticket"].with_context(**FIXTURE_CONTEXT).create(values)
        return tickets.with_env(cls.env)

    @classmethod
    def _portal_remedy_request(cls, remedy, lines, reason="It arrived broken", user=None):
        """A remedy request as a portal customer (portal user A by default)
        sends it from the form: `lines` are {"move_id", "lot_id", "quantity"}
        of their deliveries. The ticket comes back in the test's environment."""
        user = user or cls.user_portal_a
        ticket = (
            cls.env["service.ticket"]
            .with_user(user)
            ._service_create_remedy_request(user.partner_id, remedy, list(lines), reason)
        )
        return ticket.with_env(cls.env)


def now_header():
    """Date header of an email written now (frozen time included)."""
    return format_datetime(datetime.now(timezone.utc).replace(microsecond=0))


def raw_email(email_from, to, subject, msg_id, body, headers=(), cc=""):
    """A plain text email as a mail server hands it over, written now."""
    return_path = next((value for name, value in headers if name.lower() == "return-path"), None)
    headers = [(name, value) for name, value in headers if name.lower() != "return-path"]
    lines = [
        "Return-Path: %s" % (return_path if return_path is not None else f"<{email_normalize(email_from) or ''}>"),
        f"From: {email_from}",
        f"To: {to}",
    ]
    if cc:
        lines.append(f"Cc: {cc}")
    lines += [
        f"Subject: {subject}",
        f"Date: {now_header()}",
        f"Message-ID: {msg_id}",
        *(f"{name}: {value}" for name, value in headers),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        body,
        "",
    ]
    return "\n".join(lines)


def raw_bounce(to, failed_recipient, subject):
    """A delivery status notification from a mail server."""
    boundary = "sd-bounce-boundary-42"
    return "\n".join(
        [
            "Return-Path: <>",
            "From: Mail Delivery System <MAILER-DAEMON@mx.customer-a.example.com>",
            f"To: {to}",
            f"Subject: {subject}",
            f"Date: {now_header()}",
            f"Message-ID: <{uuid4().hex}@mx.customer-a.example.com>",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
            "",
            f"--{boundary}",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "Your message could not be delivered to one or more recipients.",
            "",
            f"--{boundary}",
            "Content-Type: message/delivery-status",
            "",
            "Reporting-MTA: dns; mx.customer-a.example.com",
            "",
            f"Final-Recipient: rfc822; {failed_recipient}",
            "Action: failed",
            "Status: 5.1.1",
            "",
            f"--{boundary}--",
            "",
        ]
    )


class ServiceDeskMailCommon(ServiceDeskCommon, MailCommon):
    """Fixtures of the email intake: team aliases, and emails handed to the
    gateway as the mail fetcher does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("mail.gateway.loop.threshold", 50)
        # what the demo left in the queues (a recall's emails to its owners) is not these tests' mail
        cls.env["mail.message.schedule"].sudo().search([]).unlink()
        pending = cls.env["service.ticket"].sudo().search([("stage_email_pending_id", "!=", False)])
        pending.stage_email_pending_id = False
        cls.alias_team_a = cls.team_a.alias_email
        cls.alias_team_b = cls.team_b.alias_email
        cls.Ticket = cls.env["service.ticket"]

    def setUp(self):
        super().setUp()
        self.assertTrue(self.alias_team_a, "team A has an address")

    def _receive(
        self, email_from, to, subject, body="My printer does not start.", msg_id=None, headers=(), cc="", raw=None
    ):
        """Hand an email to the gateway like the mail fetcher does; return its Message-ID."""
        msg_id = msg_id or f"<{uuid4().hex}@mail.sender.example.com>"
        raw = raw or raw_email(email_from, to, subject, msg_id, body, headers=headers, cc=cc)
        with self.mock_mail_gateway():
            self.env["mail.thread"].sudo().message_process(None, raw)
            self.flush_tracking()
            self._run_notification_queue()
        return msg_id

    def _run_notification_queue(self):
        """What the crons the commit of a ticket's creation wakes up do:
        post the acknowledgement, send the notifications queued in
        mail.message.schedule."""
        self.env["service.ticket"].sudo()._cron_post_stage_emails()
        self.env["mail.message.schedule"].sudo()._send_notifications_cron()

    def _ticket_of(self, msg_id):
        message = self.env["mail.message"].search([("message_id", "=", msg_id)])
        self.assertEqual(message.model, "service.ticket", "the email was posted on a ticket")
        return self.Ticket.browse(message.res_id)

    def _mails_to(self, partner):
        return self._new_mails.filtered(lambda mail: partner in mail.recipient_ids)


class Customer360Common(ServiceDeskCommon):
    """Products with warranty terms (and an extension product), sold,
    delivered and returned the way users do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        Product = env["product.product"]
        cls.product_extension = Product.create(
            {
                "name": "SD Extended Warranty",
                "type": "service",
                "list_price": 60.0,
                "service_warranty_months": 12,
            }
        )
        cls.product_serial = Product.create(
            {
                "name": "SD Scanner S-1",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 500.0,
                "service_warranty_months": 12,
                "service_extension_product_id": cls.product_extension.id,
            }
        )
        cls.product_untracked = Product.create(
            {
                "name": "SD Power Supply",
                "type": "consu",
                "is_storable": True,
                "list_price": 40.0,
                "service_warranty_months": 6,
            }
        )
        cls.product_plain = Product.create(
            {
                "name": "SD Paper Ream",
                "type": "consu",
                "is_storable": True,
                "list_price": 5.0,
            }
        )


class ServiceDeskPortalCommon(ServiceDeskCommon):
    """Customers A and B each received one serial of the same printer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.product = env["product.product"].create(
            {
                "name": "SD Portal Printer",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.product_other = env["product.product"].create({"name": "SD Portal Scanner", "type": "consu"})
        Lot = env["stock.lot"]
        cls.lot_a = Lot.create({"name": "SDP-A-0001", "product_id": cls.product.id, "company_id": cls.company.id})
        cls.lot_b = Lot.create({"name": "SDP-B-0001", "product_id": cls.product.id, "company_id": cls.company.id})
        cls._deliver_lot(cls.customer_a_contact, cls.lot_a)
        cls._deliver_lot(cls.customer_b_contact, cls.lot_b)
        cls.ticket_a = cls._create_ticket(name="Paper jam", partner_id=cls.customer_a_contact.id)
        cls.ticket_b = cls._create_ticket(
            name="Secret of customer B",
            partner_id=cls.customer_b_contact.id,
            description="<p>Confidential B details</p>",
        )

    # the helpers below need HttpCase mixed in

    def _login_a(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)

    def _post(self, url, data=None, files=None, csrf=True):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(url, data=data, files=files, allow_redirects=False, method="POST")

    def _new_ticket_form(self, **values):
        form = {
            "name": "Printer makes noise",
            "description": "It rattles <b>loudly</b>\nsince Monday",
            "ticket_type": "incident",
            "team_id": str(self.team_a.id),
            "product_id": str(self.product.id),
            "lot_id": str(self.lot_a.id),
        }
        form.update(values)
        return form


class KnowledgeCommon(ServiceDeskCommon):
    """Published, internal and draft articles in two categories; "Zorblax"
    is a word no demo article uses, so the tests hold with or without demo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.Article = env["service.article"]
        cls.kb_category = env["service.article.category"].create({"name": "SD Gadgets"})
        cls.kb_subcategory = env["service.article.category"].create(
            {
                "name": "SD Gizmos",
                "parent_id": cls.kb_category.id,
            }
        )

        def article(name, body, **values):
            return cls.Article.create(
                dict(
                    {
                        "name": name,
                        "body": f"<p>{body}</p>",
                        "category_id": cls.kb_category.id,
                        "is_published": True,
                        "author_id": cls.user_agent_b.id,
                    },
                    **values,
                )
            )

        cls.article_title = article(
            "Zorblax calibration guide",
            "Turn the dial until the light is steady.",
        )
        cls.article_body = article(
            "Dial maintenance",
            "Before the zorblax calibration, clean the dial with a dry cloth.",
            helpful_count=50,
        )
        cls.article_internal = article(
            "Zorblax internal escalation notes",
            "Only agents read this.",
            portal_visible=False,
        )
        cls.article_draft = article("Zorblax draft", "Not reviewed yet.", is_published=False)
        cls.article_other = article(
            "Quuxifier warranty",
            "Warranty terms of the quuxifier.",
            category_id=cls.kb_subcategory.id,
        )


class WorkerCase(BaseCase):
    """Tests that play Odoo workers: each worker is a database connection of
    its own, whose transactions commit as requests do, for the other
    workers to see their rows (hence pylint's invalid-commit silenced on
    those lines). They share a small desk committed before the test and
    removed after it: one agent (with an employee) of capacity 1 in a
    balanced team."""

    desk_name = "Workers desk"
    agent_login = "workers_agent"

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.created = {}
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            user = env["res.users"].create(
                {
                    "name": f"{self.desk_name} agent",
                    "login": self.agent_login,
                    "group_ids": [(4, env.ref("service_desk.group_service_user").id)],
                }
            )
            employee = env["hr.employee"].create({"name": user.name, "user_id": user.id})
            team = env["service.team"].create(
                {
                    "name": self.desk_name,
                    "assignment_method": "balanced",
                    "resource_calendar_id": False,
                    "member_ids": [(0, 0, {"user_id": user.id, "max_open_tickets": 1})],
                }
            )
            self.created = {"user": user.id, "employee": employee.id, "team": team.id, "member": team.member_ids.id}
            self._prepare_desk(env)
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _prepare_desk(self, env):
        """More of the desk, committed with it; record ids in self.created."""

    def _cleanup_desk(self, env):
        """Remove what _prepare_desk made."""

    def _cursor(self):
        """A cursor of its own connection, as another worker would have. Its
        transaction is bound to the registry directly: the test runner holds
        the registry lock that looking the registry up would wait for."""
        cr = sql_db.db_connect(self.registry.db_name).cursor()
        cr.transaction = Transaction(self.registry)
        return cr

    def _cleanup(self):
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            team = env["service.team"].browse(self.created["team"])
            env["service.ticket"].with_context(active_test=False).search([("team_id", "=", team.id)]).unlink()
            self._cleanup_desk(env)
            team.member_ids.unlink()
            team.unlink()
            env["hr.employee"].browse(self.created["employee"]).unlink()
            env["res.users"].browse(self.created["user"]).unlink()
            cr.commit()  # pylint: disable=invalid-commit


class SlaCommon(ServiceDeskFactories):
    """A Monday-Friday calendar (8-12, 13-17, UTC), a team with a regular and a
    senior agent, customers with and without a tier, a default policy; time
    frozen with `at`, Python's and the transaction's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_notrack=False))
        cls.env["service.sla.policy"].search([]).active = False
        cls.env["service.tier"].search([]).sla_policy_id = False
        # targets of other tickets (demo data) are out of the deadline watch's way
        cls.env["service.ticket.sla"].search([("reached_date", "=", False)]).write({"status": "met"})
        cls.calendar = cls._create_calendar("SLA test hours")
        cls.company = cls.env.company
        cls.agent = cls.env["res.users"].create(
            {
                "name": "Sla Agent",
                "login": "sla_agent",
                "email": "sla_agent@example.com",
                "group_ids": [(4, cls.env.ref("service_desk.group_service_user").id)],
            }
        )
        cls.senior = cls.env["res.users"].create(
            {
                "name": "Sla Senior",
                "login": "sla_senior",
                "email": "sla_senior@example.com",
                "group_ids": [(4, cls.env.ref("service_desk.group_service_user").id)],
            }
        )
        cls.escalation_user = cls.env["res.users"].create(
            {
                "name": "Sla Escalation",
                "login": "sla_escalation",
                "email": "sla_escalation@example.com",
                "group_ids": [(4, cls.env.ref("service_desk.group_service_manager").id)],
            }
        )
        cls.team = cls.env["service.team"].create(
            {
                "name": "SLA Team",
                "resource_calendar_id": cls.calendar.id,
                "member_ids": [
                    (0, 0, {"user_id": cls.agent.id, "seniority": "regular"}),
                    (0, 0, {"user_id": cls.senior.id, "seniority": "senior"}),
                ],
            }
        )
        cls.gold = cls.env["service.tier"].create({"name": "SLA Gold"})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Sla Customer",
                "email": "customer@example.com",
                "is_company": True,
            }
        )
        cls.gold_customer = cls.env["res.partner"].create(
            {
                "name": "Sla Gold Customer",
                "email": "gold@example.com",
                "is_company": True,
                "service_tier_id": cls.gold.id,
            }
        )
        cls.policy = cls._make_policy("Default", first_response_hours=2, resolution_hours=10, sequence=50)
        cls.stage_new = cls.env.ref("service_desk.stage_new")
        cls.stage_progress = cls.env.ref("service_desk.stage_in_progress")
        cls.stage_waiting = cls.env.ref("service_desk.stage_waiting")
        cls.stage_resolved = cls.env.ref("service_desk.stage_resolved")
        cls.stage_closed = cls.env.ref("service_desk.stage_closed")

    @classmethod
    def _make_policy(cls, name, **values):
        return cls.env["service.sla.policy"].create(dict({"name": name, "warning_percent": 50}, **values))

    @contextmanager
    def at(self, when):
        """Freeze Python time and the transaction time (create_date) at `when`."""
        with freeze_time(when), patch.object(type(self.env.cr), "now", lambda cr: when):
            yield

    def _ticket(self, when, **values):
        with self.at(when):
            return self.env["service.ticket"].create(
                dict(
                    {
                        "name": "Printer down",
                        "team_id": self.team.id,
                        "partner_id": self.customer.id,
                        "user_id": self.agent.id,
                    },
                    **values,
                )
            )

    def _line(self, ticket, target_type):
        lines = ticket.sla_line_ids.filtered(lambda line: line.target_type == target_type)
        self.assertEqual(len(lines), 1, f"expected one {target_type} target")
        return lines

    def _reply(self, ticket, when, user=None, **kwargs):
        with self.at(when):
            ticket.with_user(user or self.agent).message_post(
                body="Here is the answer",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                **kwargs,
            )

    def _customer_writes(self, ticket, when):
        with self.at(when):
            ticket.message_post(
                body="Still broken",
                author_id=ticket.partner_id.id,
                message_type="email",
                subtype_xmlid="mail.mt_comment",
            )


class RoutingCommon(ServiceDeskFactories):
    """A skills-routed team on a day calendar, a category requiring a skill
    level, and factories of agents with employees, skills and calendars."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["service.sla.policy"].search([]).active = False
        cls.day_calendar = cls._create_calendar("Day shift", (8, 17))
        cls.night_calendar = cls._create_calendar("Night shift", (18, 23))
        cls.team = cls.env["service.team"].create(
            {
                "name": "Routing desk",
                "assignment_method": "skills",
                "resource_calendar_id": cls.day_calendar.id,
            }
        )
        skill_type = cls.env["hr.skill.type"].create(
            {
                "name": "Routing skills",
                "skill_ids": [(0, 0, {"name": "Printers"}), (0, 0, {"name": "Networks"})],
                "skill_level_ids": [
                    (0, 0, {"name": "Beginner", "level_progress": 20}),
                    (0, 0, {"name": "Confirmed", "level_progress": 60}),
                    (0, 0, {"name": "Expert", "level_progress": 100}),
                ],
            }
        )
        cls.skill_type = skill_type
        cls.printers, cls.networks = skill_type.skill_ids.sorted("name")[1], skill_type.skill_ids.sorted("name")[0]
        cls.beginner, cls.confirmed, cls.expert = skill_type.skill_level_ids.sorted("level_progress")
        cls.category = cls.env["service.category"].create(
            {
                "name": "Printer repair",
                "team_id": cls.team.id,
                "skill_line_ids": [
                    (
                        0,
                        0,
                        {
                            "skill_type_id": skill_type.id,
                            "skill_id": cls.printers.id,
                            "skill_level_id": cls.confirmed.id,
                        },
                    )
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Routing customer", "is_company": True})

    @classmethod
    def _agent(cls, name, levels=None, calendar=None, team=None, capacity=0, seniority="regular", company=None):
        company = company or cls.env.company
        user = cls.env["res.users"].create(
            {
                "name": name,
                "login": f"routing_{name.lower().replace(' ', '_')}",
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "group_ids": [(4, cls.env.ref("service_desk.group_service_user").id)],
            }
        )
        employee = cls.env["hr.employee"].create(
            {
                "name": name,
                "user_id": user.id,
                "company_id": company.id,
                "resource_calendar_id": (calendar or cls.day_calendar).id,
            }
        )
        for skill, level in (levels or {}).items():
            cls._give_skill(employee, skill, level)
        member = cls.env["service.team.member"].create(
            {
                "team_id": (team or cls.team).id,
                "user_id": user.id,
                "max_open_tickets": capacity,
                "seniority": seniority,
            }
        )
        return member

    @classmethod
    def _give_skill(cls, employee, skill, level, valid_to=False):
        return cls.env["hr.employee.skill"].create(
            {
                "employee_id": employee.id,
                "skill_id": skill.id,
                "skill_level_id": level.id,
                "skill_type_id": skill.skill_type_id.id,
                "valid_from": date(2020, 1, 1),
                "valid_to": valid_to,
            }
        )

    def _ticket(self, when=WEDNESDAY_10, **values):
        with freeze_time(when):
            return self.env["service.ticket"].create(
                dict(
                    {
                        "name": "Printer jam",
                        "team_id": self.team.id,
                        "category_id": self.category.id,
                        "partner_id": self.customer.id,
                    },
                    **values,
                )
            )

    def _load(self, member, count):
        for _i in range(count):
            self.env["service.ticket"].create(
                {
                    "name": "busy",
                    "team_id": member.team_id.id,
                    "user_id": member.user_id.id,
                }
            )
