from odoo.modules.module import load_script
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.service_team_member_routing import DEFAULT_CHANNEL_WEIGHTS
from .common import RoutingCommon


@tagged("post_install", "-at_install")
class TestAgentLoad(RoutingCommon):
    """A member's load (`open_units`: the agent's open tickets in the team,
    weighted by channel) is kept where routing reads it: every change that
    moves a ticket's weight counts it again, and it always equals the
    tickets counted one by one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_closed = cls.env.ref("service_desk.stage_closed")
        cls.ann = cls._agent("Ann", {cls.printers: cls.expert}, capacity=10)
        cls.bob = cls._agent("Bob", capacity=10)
        cls.other_team = cls.env["service.team"].create({"name": "Other desk", "assignment_method": "manual"})
        cls.ann_elsewhere = cls.env["service.team.member"].create(
            {"team_id": cls.other_team.id, "user_id": cls.ann.user_id.id}
        )

    def _by_hand(self, member, channel="web", **values):
        return self.env["service.ticket"].create(
            dict(
                {"name": "By hand", "team_id": member.team_id.id, "user_id": member.user_id.id, "channel": channel},
                **values,
            )
        )

    def _counted(self, member):
        """The member's open units counted ticket by ticket, as the form's
        user sees them."""
        tickets = self.env["service.ticket"].search(
            [("team_id", "=", member.team_id.id), ("user_id", "=", member.user_id.id), ("is_closed", "=", False)]
        )
        weights = {line.channel: line.weight for line in member.team_id.channel_weight_ids}
        return sum(weights.get(t.channel, DEFAULT_CHANNEL_WEIGHTS.get(t.channel, 1.0)) for t in tickets)

    def assertLoads(self, *expected, msg=None):
        """The loads of Ann, Bob and Ann in the other team."""
        members = (self.ann, self.bob, self.ann_elsewhere)
        self.assertEqual(tuple(m.open_units for m in members), expected, msg)
        self.assertEqual(tuple(self._counted(m) for m in members), expected, "what the tickets say")

    def test_every_change_of_a_ticket_counts_the_load_again(self):
        first, second = self._by_hand(self.ann), self._by_hand(self.ann)
        email = self._by_hand(self.ann, channel="email")
        self.assertLoads(2.5, 0, 0)
        routed = self._ticket()
        self.assertEqual(routed.user_id, self.ann.user_id)
        self.assertLoads(3.5, 0, 0)

        self.assertEqual(self.bob.load_percent, 0)
        first.user_id = self.bob.user_id
        self.assertLoads(2.5, 1, 0)
        self.assertEqual(self.bob.load_percent, 10, "1 unit of 10")
        first.channel = "email"
        self.assertLoads(2.5, 0.5, 0)
        second.stage_id = self.stage_closed
        self.assertLoads(1.5, 0.5, 0)
        second.stage_id = self.env.ref("service_desk.stage_in_progress")
        self.assertLoads(2.5, 0.5, 0, msg="reopened")
        email.action_archive()
        self.assertLoads(2, 0.5, 0)
        email.action_unarchive()
        self.assertLoads(2.5, 0.5, 0)
        second.team_id = self.other_team
        self.assertLoads(1.5, 0.5, 1)
        routed.unlink()
        self.assertLoads(0.5, 0.5, 1)
        (first | email).write({"user_id": False})
        self.assertLoads(0, 0, 1)

    def test_a_channel_weight_or_a_stage_closing_counts_the_team_again(self):
        self._by_hand(self.ann, channel="email")
        waiting = self._by_hand(self.bob, channel="chat")
        self.assertLoads(0.5, 1, 0)
        weight = self.env["service.team.channel.weight"].create(
            {"team_id": self.team.id, "channel": "email", "weight": 2}
        )
        self.assertLoads(2, 1, 0)
        weight.weight = 3
        self.assertLoads(3, 1, 0)
        weight.unlink()
        self.assertLoads(0.5, 1, 0)

        stage = self.env["service.stage"].create({"name": "Parked"})
        waiting.stage_id = stage
        self.assertLoads(0.5, 1, 0)
        stage.is_closed = True
        self.assertLoads(0.5, 0, 0, msg="the stage now closes its tickets")
        stage.is_closed = False
        self.assertLoads(0.5, 1, 0)

    def test_a_membership_counts_the_tickets_its_agent_already_holds(self):
        newcomer = self._agent("Newcomer", team=self.other_team)
        self._by_hand(newcomer)
        self.env["service.ticket"].create(
            [{"name": "Held", "team_id": self.team.id, "user_id": newcomer.user_id.id} for __ in range(2)]
        )
        member = self.env["service.team.member"].create({"team_id": self.team.id, "user_id": newcomer.user_id.id})
        self.assertEqual(member.open_units, 2)
        member.active = False
        self._by_hand(member)
        self.assertEqual(member.open_units, 2, "an archived member's tickets are counted when it comes back")
        member.active = True
        self.assertEqual(member.open_units, 3)
        member.team_id = self.env["service.team"].create({"name": "Third desk"})
        self.assertEqual(member.open_units, 0)

    def test_a_ticket_saved_closed_or_archived_weighs_nothing(self):
        self._by_hand(self.ann, stage_id=self.stage_closed.id)
        self._by_hand(self.ann, active=False)
        self.assertLoads(0, 0, 0)
        stranger = self._agent("Stranger", team=self.other_team)
        self._by_hand(stranger, team_id=self.team.id)
        self.assertLoads(0, 0, 0, msg="given to someone outside the team")
        routed = self._ticket(stage_id=self.stage_closed.id)
        self.assertEqual(routed.user_id, self.ann.user_id, "routing claimed it")
        self.assertLoads(0, 0, 0)

    def test_routing_a_batch_fills_an_agent_only_to_capacity(self):
        """Routing claims each ticket of a batch before any is saved: the
        claim adds it to the load at once, the next one sees it."""
        self.ann.max_open_tickets = 2
        self.bob.unlink()
        tickets = self.env["service.ticket"].create(
            [{"name": f"Batch {i}", "team_id": self.team.id, "category_id": self.category.id} for i in range(3)]
        )
        self.assertEqual(tickets.mapped("user_id"), self.ann.user_id)
        self.assertEqual(len(tickets.filtered("user_id")), 2, "the third does not fit")
        self.assertEqual(self.ann.open_units, 2)

    def test_upgrade_counts_every_member(self):
        self._by_hand(self.ann)
        self._by_hand(self.bob, channel="email")
        self.env.flush_all()
        self.env.execute_query(SQL("UPDATE service_team_member SET open_units = NULL"))
        self.env.invalidate_all()
        load_script("service_desk/migrations/19.0.1.6.0/post-open-units.py", "service_desk_open_units").migrate(
            self.env.cr, "19.0.1.5.0"
        )
        self.assertLoads(1, 0.5, 0)
