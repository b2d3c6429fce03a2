import re

from lxml import etree

from odoo.fields import Domain
from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .common import ServiceDeskCommon


@tagged("post_install", "-at_install")
class TestOpenTicketIndexes(ServiceDeskCommon):
    """What agents open first reads the open tickets through partial indexes
    whose condition is the SQL of the search view's "Open" filter; a filter or
    an index written otherwise would silently read every ticket again
    (benchmarks/bench_scale.py measures it with a million tickets). The planner
    is told to avoid full scans and sorts, so that its choice only says which
    index can answer the query, whatever the size of the test tables."""

    def _search_view(self):
        view = self.env.ref("service_desk.service_ticket_view_search")
        return etree.fromstring(view.arch_db.encode())

    def _open_domain(self):
        node = self._search_view().xpath("//filter[@name='filter_open']")[0]
        return Domain(safe_eval(node.get("domain")))

    def _plan(self, query, *settings):
        for setting in settings:
            self.env.cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(setting)))
        self.env.cr.execute(SQL("EXPLAIN %s", query))
        return "\n".join(row[0] for row in self.env.cr.fetchall())

    def test_open_list_first_page_is_read_in_order(self):
        Ticket = self.env["service.ticket"]
        query = Ticket._search(self._open_domain(), order=Ticket._order, limit=80)
        plan = self._plan(query.select(), "enable_seqscan", "enable_bitmapscan", "enable_sort")
        self.assertIn("service_ticket_open_order_idx", plan)
        self.assertNotIn("Sort", plan)

    def test_kanban_column_first_cards_are_read_in_order(self):
        Ticket = self.env["service.ticket"]
        domain = self._open_domain() & Domain("stage_id", "=", self.stage_in_progress.id)
        query = Ticket._search(domain, order=Ticket._order, limit=40)
        plan = self._plan(query.select(), "enable_seqscan", "enable_bitmapscan", "enable_sort")
        self.assertIn("service_ticket_open_stage_order_idx", plan)
        self.assertNotIn("Sort", plan)

    def test_search_box_finds_customer_emails_through_an_index(self):
        # the search box's main field looks for what is typed in the subject's
        # words, the number and the customer's email at once: one of them
        # without an index reads every ticket
        node = self._search_view().xpath("//field[@name='name']")[0]
        self.assertIn("partner_email", node.get("filter_domain"))
        query = self.env["service.ticket"]._search(Domain("partner_email", "ilike", "customer.example"))
        plan = self._plan(query.select(), "enable_seqscan")
        self.assertIn("service_ticket__partner_email_index", plan)

    def test_search_box_words_among_open_tickets_use_the_open_index(self):
        # with the Open filter, a word is looked for among the open tickets only, not found among
        # all of them and their closed ones dropped after
        node = self._search_view().xpath("//field[@name='name']")[0]
        typed = Domain(safe_eval(node.get("filter_domain"), {"self": "printer"}))
        query = self.env["service.ticket"]._search(self._open_domain() & typed)
        # the other open indexes set aside (in this test's transaction): on the few tickets of a
        # test, reading one of them whole looks cheaper than any word index
        for index in ("open_by_agent_idx", "open_order_idx", "open_stage_order_idx"):
            self.env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(f"service_ticket_{index}")))
        plan = self._plan(query.select(), "enable_seqscan", "enable_indexscan")
        self.assertIn("service_ticket_open_search_words_idx", plan)


@tagged("post_install", "-at_install")
class TestPortalListIndexes(ServiceDeskCommon):
    """A customer's portal list, in its default order ("Newest"), reads its
    first page in order and counts from an index alone, however long the
    customer's history: the company's tickets when it shares them with its
    contacts, else the contact's own (the portal record rule)."""

    ORDER = "create_date desc, id desc"  # the portal list's default sorting

    def _plan(self, query, *settings):
        for setting in settings:
            self.env.cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(setting)))
        self.env.cr.execute(SQL("EXPLAIN %s", query))
        return "\n".join(row[0] for row in self.env.cr.fetchall())

    def _assert_list_read_through(self, index):
        Ticket = self.env["service.ticket"].with_user(self.user_portal_a)
        listed = Ticket._portal_filter_domains()["all"]  # what the list shows: merged tickets left out
        page = Ticket._search(listed, order=self.ORDER, limit=20)
        plan = self._plan(page.select(), "enable_seqscan", "enable_bitmapscan", "enable_sort")
        self.assertIn(index, plan)
        self.assertNotIn("Sort", plan)
        # the count can be read from the index alone when the index holds every column it tests. The
        # planner is not asked: PostgreSQL 15 charges an index-only scan as disabled when index scans
        # are, so with every other path disabled too its choice followed the statistics of a table the
        # other tests left unvacuumed
        count = Ticket._search(listed).select(SQL("COUNT(*)"))
        tested = set(re.findall(r'"service_ticket"\."(\w+)"', count.code))
        self.assertLessEqual({"active", "merged_into_id"}, tested)
        self.env.cr.execute(
            """
            SELECT attribute.attname
              FROM pg_index i
              JOIN pg_attribute attribute ON attribute.attrelid = i.indrelid AND attribute.attnum = ANY(i.indkey)
             WHERE i.indexrelid = %s::regclass
            """,
            [index],
        )
        self.assertLessEqual(tested, {row[0] for row in self.env.cr.fetchall()})

    def test_company_sharing_its_tickets(self):
        self.assertTrue(self.customer_a.service_portal_share_tickets)
        self._assert_list_read_through("service_ticket_portal_company_order_idx")

    def test_company_not_sharing_its_tickets(self):
        self.customer_a.service_portal_share_tickets = False
        self._assert_list_read_through("service_ticket_portal_contact_order_idx")
