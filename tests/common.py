"""Shared fixtures of the service desk tests.

Everything the assertions rely on is built here, so the tests hold on a
database with or without demo data: two companies, three teams, a manager,
agents of each team, an internal user without service rights, customer
companies with portal contacts. Only the stages come from the addon's data
(xml ids ``service_desk.stage_*``): they are the pipeline every team uses.
"""

from datetime import datetime, timezone
from email.utils import format_datetime
from uuid import uuid4

from odoo import Command
from odoo.tests import TransactionCase
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


class ServiceDeskCommon(TransactionCase):
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

    @classmethod
    def _create_ticket(cls, team=None, **values):
        """A ticket of team (team A by default), created quietly as superuser."""
        values.setdefault("name", "Printer does not start")
        values.setdefault("team_id", (team or cls.team_a).id)
        tickets = cls.env["service.ticket"].with_context(**FIXTURE_CONTEXT).create(values)
        return tickets.with_env(cls.env)


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
        return msg_id

    def _ticket_of(self, msg_id):
        message = self.env["mail.message"].search([("message_id", "=", msg_id)])
        self.assertEqual(message.model, "service.ticket", "the email was posted on a ticket")
        return self.Ticket.browse(message.res_id)

    def _mails_to(self, partner):
        return self._new_mails.filtered(lambda mail: partner in mail.recipient_ids)
