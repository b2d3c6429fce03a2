"""A year of service history for the demo.

The demo's records (demo/*.xml) hold today's open tickets and a few finished
ones; this module adds the year behind them, so that the volume forecast, the
buying trends, satisfaction by month and the at-risk customers show real
shapes on the first day. It is written the way it would have happened, with
dates relative to the day of the install:

- tickets, a few each week, more as the year goes on, in the customers'
  languages, each created through the ticket's save path (so the SLA engine
  plans its targets from its creation date and decides them met or breached
  at the recorded first answer and resolution);
- their conversation: the customer's request, the agent's answer, sometimes
  the customer's thanks, and ratings on most finished ones;
- repeat sales of supplies and services, confirmed and delivered on the day
  they were ordered.

Everything is drawn from a random generator with a fixed seed: every install
makes the same history (shifted to its own today).
"""

import math
import random
from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo.fields import Command
from odoo.tools import SQL

SEED = 18
WEEKS = 50  # history from a year ago to two weeks ago: today's tickets are the XML's
FIRST_WEEK_AGO = 52

# customers: (contact xml id, language, yearly ticket weight, profile)
# profiles: "happy" answered fast and rated well; "strained" answered late,
# reopened and rated low (they end up among the at-risk customers)
CUSTOMERS = [
    ("partner_siam_office_kanya", "th", 3, "happy"),
    ("partner_siam_office_niran", "th", 2, "happy"),
    ("partner_chiangmai_print_pimchanok", "th", 2, "happy"),
    ("partner_papelaria_horizonte_joao", "pt", 3, "happy"),
    ("partner_papelaria_horizonte_mariana", "pt", 2, "happy"),
    ("partner_clinica_vida_rafael", "pt", 3, "happy"),
    ("partner_hotel_costa_brava_jordi", "es", 3, "happy"),
    ("partner_hotel_costa_brava_marta", "es", 2, "happy"),
    ("partner_distribuidora_andina_valentina", "es", 3, "happy"),
    ("partner_farmacias_del_sol_diego", "es", 3, "strained"),
    ("partner_jinqiao_logistics_lina", "zh", 3, "strained"),
    ("partner_jinqiao_logistics_zhangwei", "zh", 1, "strained"),
    ("partner_huaxin_electronics_wangfang", "zh", 3, "happy"),
    ("base.partner_demo_portal", "en", 2, "happy"),
    ("partner_harbor_point_emily", "en", 2, "happy"),
    ("partner_maple_leaf_dental_olivia", "en", 2, "happy"),
    ("partner_brightwater_schools_kevin", "en", 1, "happy"),
]

# what customers write about: (team, category, type, product, {language: (subject, request)})
TOPICS = [
    (
        "team_technical_support",
        "category_printers",
        "incident",
        "product_printer_lp400",
        {
            "en": ("LP-400 jams on double-sided prints", "The LP-400 jams every time we print on both sides."),
            "th": ("เครื่องพิมพ์ LP-400 กระดาษติดเวลาพิมพ์สองหน้า", "เครื่องพิมพ์ LP-400 กระดาษติดทุกครั้งที่พิมพ์สองหน้า"),
            "pt": ("LP-400 trava ao imprimir frente e verso", "A LP-400 trava toda vez que imprimimos frente e verso."),
            "es": (
                "La LP-400 se atasca al imprimir a doble cara",
                "La LP-400 se atasca cada vez que imprimimos a doble cara.",
            ),
            "zh": ("LP-400 双面打印时卡纸", "每次双面打印时 LP-400 都会卡纸。"),
        },
    ),
    (
        "team_technical_support",
        "category_printers",
        "incident",
        "product_printer_cx220",
        {
            "en": ("CX-220 prints streaks", "Every colour page of the CX-220 has grey streaks."),
            "th": ("CX-220 พิมพ์ออกมามีเส้น", "ทุกหน้าที่พิมพ์สีจาก CX-220 มีเส้นสีเทา"),
            "pt": ("CX-220 imprime com listras", "Todas as páginas coloridas da CX-220 saem com listras cinza."),
            "es": ("La CX-220 imprime con rayas", "Todas las páginas en color de la CX-220 salen con rayas grises."),
            "zh": ("CX-220 打印有条纹", "CX-220 打印的每一页彩色都有灰色条纹。"),
        },
    ),
    (
        "team_technical_support",
        "category_network",
        "incident",
        "product_router_br900",
        {
            "en": (
                "BR-900 loses the internet connection",
                "Our BR-900 router drops the connection several times a day.",
            ),
            "th": ("เราเตอร์ BR-900 หลุดการเชื่อมต่อ", "เราเตอร์ BR-900 หลุดการเชื่อมต่ออินเทอร์เน็ตหลายครั้งต่อวัน"),
            "pt": ("Roteador BR-900 perde a conexão", "O roteador BR-900 perde a conexão várias vezes por dia."),
            "es": ("El router BR-900 pierde la conexión", "El router BR-900 pierde la conexión varias veces al día."),
            "zh": ("BR-900 路由器断网", "BR-900 路由器每天断网好几次。"),
        },
    ),
    (
        "team_field_service",
        "category_repair_visit",
        "incident",
        "product_access_point_ap60",
        {
            "en": ("No Wi-Fi near the AP-60", "The AP-60 light is orange and nobody gets Wi-Fi in that area."),
            "th": ("ไม่มีสัญญาณ Wi-Fi ใกล้ AP-60", "ไฟของ AP-60 เป็นสีส้ม และไม่มีใครใช้ Wi-Fi ในบริเวณนั้นได้"),
            "pt": ("Sem Wi-Fi perto do AP-60", "A luz do AP-60 está laranja e ninguém tem Wi-Fi naquela área."),
            "es": ("Sin wifi cerca del AP-60", "La luz del AP-60 está naranja y nadie tiene wifi en esa zona."),
            "zh": ("AP-60 附近没有 Wi-Fi", "AP-60 指示灯为橙色，该区域无人能连上 Wi-Fi。"),
        },
    ),
    (
        "team_field_service",
        "category_installation",
        "request",
        "product_router_br900",
        {
            "en": ("Installation visit for a new router", "Please send a technician to install the BR-900 we ordered."),
            "th": ("ขอนัดช่างติดตั้งเราเตอร์", "กรุณาส่งช่างมาติดตั้งเราเตอร์ BR-900 ที่สั่งซื้อไว้"),
            "pt": (
                "Visita de instalação do roteador",
                "Por favor, enviem um técnico para instalar o BR-900 que compramos.",
            ),
            "es": (
                "Visita para instalar el router",
                "Por favor, envíen un técnico para instalar el BR-900 que compramos.",
            ),
            "zh": ("预约路由器安装", "请派技术人员来安装我们订购的 BR-900。"),
        },
    ),
    (
        "team_customer_care",
        "category_billing",
        "request",
        False,
        {
            "en": ("Copy of last month's invoice", "Could you send us a copy of last month's invoice?"),
            "th": ("ขอสำเนาใบแจ้งหนี้เดือนที่แล้ว", "รบกวนส่งสำเนาใบแจ้งหนี้ของเดือนที่แล้วให้ด้วยค่ะ"),
            "pt": ("Segunda via da fatura do mês passado", "Podem nos enviar a segunda via da fatura do mês passado?"),
            "es": ("Copia de la factura del mes pasado", "¿Nos pueden enviar una copia de la factura del mes pasado?"),
            "zh": ("申请上月发票副本", "请发送上个月的发票副本给我们。"),
        },
    ),
    (
        "team_customer_care",
        "category_returns",
        "complaint",
        "product_toner_lp400",
        {
            "en": ("Toner cartridge arrived damaged", "One toner cartridge of the last delivery leaks powder."),
            "th": ("ตลับหมึกที่ได้รับเสียหาย", "ตลับหมึกหนึ่งตลับจากการจัดส่งครั้งล่าสุดมีผงหมึกรั่ว"),
            "pt": ("Cartucho de toner chegou danificado", "Um cartucho de toner da última entrega está vazando pó."),
            "es": ("El tóner llegó dañado", "Un cartucho de tóner de la última entrega pierde polvo."),
            "zh": ("硒鼓到货时已损坏", "上次送货中有一个硒鼓漏粉。"),
        },
    ),
]

# the agent's answer, the customer's thanks, and what each rating says, per language
ANSWERS = {
    "en": "Thank you for reporting this. We have found the cause and fixed it; please tell us if it happens again.",
    "th": "ขอบคุณที่แจ้งให้ทราบ เราพบสาเหตุและแก้ไขเรียบร้อยแล้ว หากเกิดขึ้นอีกกรุณาแจ้งเรา",
    "pt": "Obrigado pelo aviso. Encontramos a causa e já corrigimos; avise-nos se acontecer de novo.",
    "es": "Gracias por avisarnos. Encontramos la causa y ya está corregido; avísenos si vuelve a ocurrir.",
    "zh": "感谢您的反馈。我们已找到原因并解决，如再次发生请告诉我们。",
}
THANKS = {
    "en": "Thanks, it works again.",
    "th": "ขอบคุณค่ะ ตอนนี้ใช้งานได้แล้ว",
    "pt": "Obrigado, voltou a funcionar.",
    "es": "Gracias, ya funciona.",
    "zh": "谢谢，现在正常了。",
}
FEEDBACK = {
    5: {
        "en": "Quick and friendly.",
        "th": "รวดเร็วและเป็นกันเอง",
        "pt": "Rápido e atencioso.",
        "es": "Rápido y amable.",
        "zh": "快速又热情。",
    },
    3: {
        "en": "Solved, but it took a while.",
        "th": "แก้ไขได้ แต่ใช้เวลานาน",
        "pt": "Resolvido, mas demorou.",
        "es": "Resuelto, pero tardó.",
        "zh": "解决了，但花了不少时间。",
    },
    1: {"en": "Far too slow.", "th": "ช้าเกินไป", "pt": "Demorou demais.", "es": "Demasiado lento.", "zh": "太慢了。"},
}
CHANNELS = ["email", "email", "email", "portal", "phone", "phone", "web", "chat"]

# repeat sales of supplies: (customer xml id, orders a year, trend); a falling
# trend puts its last half year below its first
SALES = [
    ("partner_siam_office", 10, "rising"),
    ("partner_chiangmai_print", 4, "steady"),
    ("partner_papelaria_horizonte", 6, "rising"),
    ("partner_clinica_vida", 4, "steady"),
    ("partner_hotel_costa_brava", 6, "steady"),
    ("partner_distribuidora_andina", 5, "rising"),
    ("partner_farmacias_del_sol", 6, "falling"),
    ("partner_jinqiao_logistics", 6, "falling"),
    ("partner_huaxin_electronics", 5, "steady"),
    ("partner_harbor_point", 6, "steady"),
    ("partner_maple_leaf_dental", 3, "steady"),
]
SUPPLIES = [("product_toner_lp400", (4, 20)), ("product_cable_cat6", (10, 40))]


def generate(env):
    """Write the demo's year of history in `env` (a superuser environment)."""
    History(env).generate()


class History:
    def __init__(self, env):
        self.env = env
        self.rng = random.Random(SEED)
        self.now = datetime.now().replace(microsecond=0)
        self.comment = env.ref("mail.mt_comment")

    def ref(self, xmlid):
        return self.env.ref(xmlid if "." in xmlid else f"service_desk.{xmlid}")

    def generate(self):
        tickets, stories = self._create_tickets()
        self._write_conversations(tickets, stories)
        self._create_sales()

    # ------------------------------------------------------------------
    # Tickets
    # ------------------------------------------------------------------

    def _weekly_counts(self):
        """Tickets per week, oldest first: growing over the year, with a
        quarterly wave and some noise."""
        counts = []
        for week in range(WEEKS):
            level = 4.0 + 4.0 * week / WEEKS + 1.5 * math.sin(2 * math.pi * week / 13)
            counts.append(max(1, round(self.rng.gauss(level, 1.2))))
        return counts

    def _when(self, week):
        """A moment on a working day of `week` (weeks ago counted from
        FIRST_WEEK_AGO), in working hours somewhere between Bangkok and
        Europe (UTC)."""
        monday = (self.now - timedelta(weeks=FIRST_WEEK_AGO - week)).date()
        monday -= timedelta(days=monday.weekday())
        day = monday + timedelta(days=self.rng.choice([0, 0, 1, 1, 2, 2, 3, 3, 4, 5]))
        return datetime.combine(day, time(self.rng.randint(1, 15), self.rng.randint(0, 59)))

    def _agents(self, team):
        return team.member_ids.user_id

    def _create_tickets(self):
        """Create the year's tickets, then decide when each was answered and
        resolved: before or after the deadlines the SLA engine planned for
        it, as the customer's profile says (a strained customer was often
        answered late), and let the engine decide the outcome from those
        dates."""
        customers = [(self.ref(xmlid), lang, weight, profile) for xmlid, lang, weight, profile in CUSTOMERS]
        weights = [weight for _partner, _lang, weight, _profile in customers]
        Ticket = self.env["service.ticket"].with_context(
            mail_create_nolog=True, mail_notrack=True, mail_auto_subscribe_no_notify=True
        )
        vals_list, stories = [], []
        for week, count in enumerate(self._weekly_counts()):
            for _i in range(count):
                partner, lang, _weight, profile = self.rng.choices(customers, weights)[0]
                team_xmlid, category, ticket_type, product, texts = self.rng.choice(TOPICS)
                team = self.ref(team_xmlid)
                created = self._when(week)
                subject, request = texts[lang]
                vals_list.append(
                    {
                        "name": subject,
                        "description": Markup("<p>%s</p>") % request,
                        "partner_id": partner.id,
                        "team_id": team.id,
                        "user_id": self.rng.choice(self._agents(team)).id,
                        "category_id": self.ref(category).id,
                        "ticket_type": ticket_type,
                        "product_id": product and self.ref(product).id,
                        "priority": self.rng.choice("0111122"),
                        "channel": self.rng.choice(CHANNELS),
                        "stage_id": self.ref("stage_closed").id,
                        "create_date": created,
                        # placeholders until the deadlines are known (below)
                        "first_response_date": created,
                        "resolved_date": created,
                        "closed_date": created,
                    }
                )
                stories.append({"lang": lang, "profile": profile})
        tickets = Ticket.create(vals_list)
        # the policy that applies once every step of the save path has run
        # (a contract found after creation changes it), with its deadlines
        tickets.action_sla_recompute()
        for ticket, story in zip(tickets, stories, strict=True):
            ticket.write(self._history_dates(ticket, story["profile"] == "strained"))
        # the engine's own rebuild: targets from creation, reached at the
        # recorded answer and resolution, met or breached, and the working
        # hours they took
        tickets.action_sla_recompute()
        return tickets, stories

    def _reached(self, start, deadline, late):
        """When a target planned from `start` to `deadline` was reached:
        within its time, or some hours after it."""
        if late:
            return deadline + timedelta(hours=self.rng.uniform(1, 24))
        return start + (deadline - start) * self.rng.uniform(0.1, 0.9)

    def _history_dates(self, ticket, strained):
        """First answer, resolution and closing of a history ticket, from
        the deadlines the SLA engine planned for it."""
        lines = {line.target_type: line for line in ticket.sla_line_ids}
        created = ticket.create_date
        fallback = created + timedelta(days=3)
        first = lines.get("first_response")
        answered = self._reached(
            created,
            first.deadline if first and first.deadline else created + timedelta(hours=4),
            self.rng.random() < (0.5 if strained else 0.005),
        )
        resolution = lines.get("resolution")
        resolved = self._reached(
            created,
            resolution.deadline if resolution and resolution.deadline else fallback,
            self.rng.random() < (0.4 if strained else 0.005),
        )
        resolved = max(resolved, answered + timedelta(minutes=self.rng.randint(20, 240)))
        closed = min(resolved + timedelta(days=self.rng.randint(2, 6)), self.now - timedelta(days=1))
        return {
            "first_response_date": answered,
            "last_agent_reply_date": answered,
            "last_customer_message_date": created,
            "resolved_date": resolved,
            "closed_date": max(closed, resolved),
            "reopen_count": int(strained and self.rng.random() < 0.2),
        }

    # ------------------------------------------------------------------
    # Conversations and ratings
    # ------------------------------------------------------------------

    def _rating_value(self, ticket, profile):
        """1 (unhappy), 3 (okay) or 5 (happy): happy customers are unhappy
        only when the desk was late."""
        draw = self.rng.random()
        if profile == "strained" or ticket.sla_status == "breached":
            return 1 if draw < 0.45 else 3 if draw < 0.8 else 5
        return 5 if draw < 0.8 else 3

    def _write_conversations(self, tickets, stories):
        messages, ratings = [], []
        model = self.env["ir.model"]._get_id("service.ticket")
        for ticket, story in zip(tickets, stories, strict=True):
            lang, agent = story["lang"], ticket.user_id.partner_id
            base = {"model": "service.ticket", "res_id": ticket.id, "subtype_id": self.comment.id}
            if ticket.channel in ("email", "portal", "web"):
                messages.append(
                    dict(
                        base,
                        author_id=ticket.partner_id.id,
                        message_type="email" if ticket.channel == "email" else "comment",
                        date=ticket.create_date,
                        body=ticket.description,
                    )
                )
            messages.append(
                dict(
                    base,
                    author_id=agent.id,
                    message_type="comment",
                    date=ticket.first_response_date,
                    body=Markup("<p>%s</p>") % ANSWERS[lang],
                )
            )
            if self.rng.random() < 0.3:
                thanks = ticket.resolved_date + timedelta(hours=self.rng.uniform(1, 20))
                messages.append(
                    dict(
                        base,
                        author_id=ticket.partner_id.id,
                        message_type="comment",
                        date=min(thanks, ticket.closed_date),
                        body=Markup("<p>%s</p>") % THANKS[lang],
                    )
                )
            if self.rng.random() < 0.7:
                value = self._rating_value(ticket, story["profile"])
                rated_on = min(ticket.resolved_date + timedelta(hours=self.rng.uniform(2, 40)), self.now)
                ratings.append(
                    (
                        {
                            "res_model_id": model,
                            "res_id": ticket.id,
                            "partner_id": ticket.partner_id.id,
                            "rated_partner_id": agent.id,
                            "rating": value,
                            "feedback": FEEDBACK[value][lang],
                            "consumed": True,
                            "create_date": ticket.resolved_date,
                        },
                        rated_on,
                    )
                )
                messages.append(
                    dict(
                        base,
                        author_id=ticket.partner_id.id,
                        message_type="comment",
                        date=rated_on,
                        body=Markup("<p>%s</p>") % FEEDBACK[value][lang],
                    )
                )
        self.env["mail.message"].create(messages)
        records = self.env["rating.rating"].create([vals for vals, _rated_on in ratings])
        # a rating is written once, when the customer gives it (create
        # stamps it with the time of the install)
        self.env.flush_all()
        if records:
            self.env.cr.execute(
                SQL(
                    """UPDATE rating_rating SET rated_on = given.rated_on, write_date = given.rated_on
                         FROM (VALUES %s) AS given (id, rated_on)
                        WHERE rating_rating.id = given.id""",
                    SQL(", ").join(
                        SQL("(%s, %s::timestamp)", rating.id, rated_on)
                        for rating, (_vals, rated_on) in zip(records, ratings, strict=True)
                    ),
                )
            )
        records.invalidate_recordset(["rated_on", "write_date"])

    # ------------------------------------------------------------------
    # Sales
    # ------------------------------------------------------------------

    def _order_days_ago(self, orders, trend):
        """Days ago of each order of a year: spread over the year, more of
        them lately when rising, fewer when falling."""
        skew = {"rising": lambda u: u**1.8, "falling": lambda u: 1 - u**1.8}.get(trend, lambda u: u)
        return [15 + 345 * skew((index + self.rng.random()) / orders) for index in range(orders)]

    def _create_sales(self):
        Order = self.env["sale.order"].with_context(mail_create_nolog=True, mail_notrack=True, tracking_disable=True)
        supplies = [(self.ref(xmlid), quantities) for xmlid, quantities in SUPPLIES]
        vals_list, dates = [], []
        for xmlid, count, trend in SALES:
            customer = self.ref(xmlid)
            for days in self._order_days_ago(count, trend):
                lines = [
                    Command.create({"product_id": product.id, "product_uom_qty": self.rng.randint(*quantities)})
                    for product, quantities in self.rng.sample(supplies, self.rng.randint(1, 2))
                ]
                vals_list.append(
                    {"partner_id": customer.id, "user_id": self.env.ref("base.user_admin").id, "order_line": lines}
                )
                dates.append(self.now - timedelta(days=days))
        toner = self.ref("product_toner_lp400")
        needed = sum(
            command[2]["product_uom_qty"]
            for vals in vals_list
            for command in vals["order_line"]
            if command[2]["product_id"] == toner.id
        )
        self.env["stock.quant"].create(
            {
                "product_id": toner.id,
                "location_id": self.env.ref("stock.stock_location_stock").id,
                "inventory_quantity": needed,
            }
        ).action_apply_inventory()
        orders = Order.create(vals_list)
        orders.action_confirm()
        pickings = orders.picking_ids
        pickings.action_assign()
        pickings.move_ids.picked = True
        pickings.with_context(skip_sms=True, skip_backorder=True).button_validate()
        for order, date in zip(orders, dates, strict=True):
            order.date_order = date
            order.picking_ids.date_done = date + timedelta(days=2)
            order.picking_ids.move_ids.date = date + timedelta(days=2)
            order.picking_ids.move_ids.move_line_ids.date = date + timedelta(days=2)
