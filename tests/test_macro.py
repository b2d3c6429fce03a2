"""Canned replies: placeholders, actions, teams, bulk use."""

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import ServiceDeskCommon


@tagged("post_install", "-at_install")
class TestMacro(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_serial = cls.env["service.tag"].create({"name": "SD needs serial"})
        cls.tag_vip = cls.env["service.tag"].create({"name": "SD vip"})
        cls.macro = cls.env["service.macro"].create(
            {
                "name": "Ask for the serial",
                "body": "<p>Hello {{customer}}, please send the serial for {{ticket}} ({{subject}}). "
                "Reply at {{ portal_url }}. {{agent}}, {{team}}</p>",
                "stage_id": cls.stage_waiting.id,
                "priority": "2",
                "tag_ids": [Command.link(cls.tag_serial.id)],
                "assign_to_me": True,
            }
        )
        cls.ticket = cls._create_ticket(
            name="Scanner <b>broken</b>",
            partner_id=cls.customer_a_contact.id,
            tag_ids=[Command.link(cls.tag_vip.id)],
        )

    def test_placeholders_and_actions(self):
        self.macro.with_user(self.user_agent_a).apply_to(self.ticket)
        message = self.ticket.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        body = str(message.body)
        self.assertIn("Hello Carla Customer", body)
        self.assertIn(f"for {self.ticket.number} ", body)
        self.assertIn("Scanner &lt;b&gt;broken&lt;/b&gt;", body, "values are escaped, never HTML")
        self.assertIn(f"/my/service/tickets/{self.ticket.id}", body)
        self.assertIn("Alice Agent, SD Team A", body)
        self.assertNotIn("{{", body)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"), "a reply the customer receives")
        self.assertEqual(message.author_id, self.user_agent_a.partner_id)
        self.assertEqual(self.ticket.stage_id, self.stage_waiting)
        self.assertEqual(self.ticket.priority, "2")
        self.assertEqual(self.ticket.tag_ids, self.tag_serial | self.tag_vip, "tags are added, not replaced")
        self.assertEqual(self.ticket.user_id, self.user_agent_a)
        self.assertEqual(self.macro.usage_count, 1)

    def test_internal_note_and_no_actions(self):
        note = self.env["service.macro"].create({"name": "Note", "body": "<p>Checked {{ticket}}</p>", "is_note": True})
        before = (self.ticket.stage_id, self.ticket.priority, self.ticket.user_id)
        note.with_user(self.user_agent_a).apply_to(self.ticket)
        message = self.ticket.message_ids[:1]
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual((self.ticket.stage_id, self.ticket.priority, self.ticket.user_id), before)

    def test_bulk_apply_with_wizard(self):
        other = self._create_ticket(name="Second", partner_id=self.customer_b_contact.id)
        wizard = Form(
            self.env["service.macro.apply"]
            .with_user(self.user_agent_a)
            .with_context(
                active_model="service.ticket",
                active_ids=(self.ticket | other).ids,
            )
        )
        wizard.macro_id = self.macro
        self.assertIn("Hello Carla Customer", wizard.preview)
        wizard.save().action_apply()
        self.assertEqual((self.ticket | other).stage_id, self.stage_waiting)
        self.assertIn(
            "Hello Boris Customer", str(other.message_ids.filtered(lambda m: m.message_type == "comment")[:1].body)
        )
        self.assertIn(
            "Hello Carla Customer",
            str(self.ticket.message_ids.filtered(lambda m: m.message_type == "comment")[:1].body),
        )
        self.assertEqual(self.macro.usage_count, 2)

    def test_preview_lists_every_action(self):
        self.ticket.user_id = self.user_agent_b
        wizard = Form(
            self.env["service.macro.apply"]
            .with_user(self.user_agent_a)
            .with_context(active_model="service.ticket", active_ids=self.ticket.ids)
        )
        wizard.macro_id = self.macro
        preview = wizard.preview
        self.assertIn("Hello Carla Customer", preview)
        for action in (
            "Sends the text to the customer",
            "Moves the ticket to Waiting on Customer (pauses the SLA clock)",
            "Sets the priority to High",
            "Adds tags SD needs serial",
            "Assigns the ticket to you instead of Bob Agent",
        ):
            self.assertIn(action, preview)
        note = self.env["service.macro"].create({"name": "Note", "body": "<p>Checked</p>", "is_note": True})
        wizard.macro_id = note
        self.assertIn("Logs the text as an internal note", wizard.preview)
        self.assertNotIn("Moves the ticket", wizard.preview)

    def test_applying_says_what_it_changed(self):
        self.ticket.user_id = self.user_agent_b
        self.macro.with_user(self.user_agent_a).apply_to(self.ticket)
        notes = self.ticket.message_ids.filtered(lambda m: "Canned reply Ask for the serial applied" in str(m.body))
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes.message_type, "notification", "for the team, not the customer")
        body = str(notes.body)
        for change in (
            "moved the ticket from New to Waiting on Customer (pauses the SLA clock)",
            "set the priority from Low to High",
            "added tags SD needs serial",
            "assigned the ticket to Alice Agent instead of Bob Agent",
        ):
            self.assertIn(change, body)
        # applied again, it changes nothing more and says nothing more
        self.macro.with_user(self.user_agent_a).apply_to(self.ticket)
        notes = self.ticket.message_ids.filtered(lambda m: "Canned reply Ask for the serial applied" in str(m.body))
        self.assertEqual(len(notes), 1)

    def test_team_restriction_and_access(self):
        self.macro.team_ids = self.team_b
        with self.assertRaises(UserError):
            self.macro.apply_to(self.ticket)
        with self.assertRaises(UserError):
            self.macro.apply_to(self.env["service.ticket"])
        # agent B cannot reach team A's ticket, whatever the macro
        self.macro.team_ids = False
        with self.assertRaises(AccessError):
            self.macro.with_user(self.user_agent_b).apply_to(self.ticket.with_user(self.user_agent_b))
        self.assertNotEqual(self.ticket.stage_id, self.stage_waiting)
        # agents use canned replies, managers write them
        with self.assertRaises(AccessError):
            self.env["service.macro"].with_user(self.user_agent_a).create({"name": "Mine"})

    def test_unknown_placeholder_refused(self):
        with self.assertRaises(UserError):
            self.env["service.macro"].create({"name": "Typo", "body": "<p>Hi {{custmer}}</p>"})
