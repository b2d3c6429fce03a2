"""The customers' languages: the portal and the help center speak them.

Each language's translations are loaded from the addon's i18n/ files, the
portal customer switches to it, and the main screens must show the translated
texts, none of the English ones.
"""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import ServiceDeskCommon

# language -> {page: {English source: translation}}
EXPECTED = {
    "th_TH": {
        "/my/service/tickets": {
            "New Request": "คำขอใหม่",
            "Promised Response": "เวลาตอบกลับที่สัญญาไว้",
            "Last Update": "อัปเดตล่าสุด",
        },
        "/my/service/tickets/new": {
            "New Service Request": "คำขอรับบริการใหม่",
            "Kind of request": "ประเภทคำขอ",
            "Serial number": "หมายเลขซีเรียล",
        },
        "/help": {
            "How can we help?": "เราช่วยอะไรคุณได้บ้าง?",
            "Popular articles": "บทความยอดนิยม",
            "Search the help center...": "ค้นหาในศูนย์ช่วยเหลือ...",
        },
    },
    "pt_BR": {
        "/my/service/tickets": {
            "New Request": "Nova solicitação",
            "Promised Response": "Resposta prometida",
            "Last Update": "Última atualização",
        },
        "/my/service/tickets/new": {
            "New Service Request": "Nova solicitação de atendimento",
            "Kind of request": "Tipo de solicitação",
            "Serial number": "Número de série",
        },
        "/help": {
            "How can we help?": "Como podemos ajudar?",
            "Popular articles": "Artigos populares",
            "Search the help center...": "Pesquisar na central de ajuda...",
        },
    },
    "es_ES": {
        "/my/service/tickets": {
            "New Request": "Nueva solicitud",
            "Promised Response": "Respuesta prometida",
            "Last Update": "Última actualización",
        },
        "/my/service/tickets/new": {
            "New Service Request": "Nueva solicitud de servicio",
            "Kind of request": "Tipo de solicitud",
            "Serial number": "Número de serie",
        },
        "/help": {
            "How can we help?": "¿Cómo podemos ayudarle?",
            "Popular articles": "Artículos populares",
            "Search the help center...": "Buscar en el centro de ayuda...",
        },
    },
    "zh_CN": {
        "/my/service/tickets": {
            "New Request": "新建请求",
            "Promised Response": "承诺响应时间",
            "Last Update": "最近更新",
        },
        "/my/service/tickets/new": {
            "New Service Request": "新服务请求",
            "Kind of request": "请求类型",
            "Serial number": "序列号",
        },
        "/help": {
            "How can we help?": "我们能为您做什么？",
            "Popular articles": "热门文章",
            "Search the help center...": "搜索帮助中心...",
        },
    },
}


@tagged("post_install", "-at_install")
class TestCustomerLanguages(ServiceDeskCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(name="Printer offline", partner_id=cls.user_portal_a.partner_id.id)
        langs = list(EXPECTED)
        for code in langs:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["service_desk"], langs, overwrite=True)

    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response.text

    def _login_in(self, lang):
        """The customer reads in ``lang``: its session takes the language at login."""
        self.user_portal_a.lang = lang
        self.opener.cookies.clear()  # no frontend_lang cookie left from the previous language
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)

    def test_portal_and_help_center_in_each_language(self):
        for code, pages in EXPECTED.items():
            self._login_in(code)
            for url, texts in pages.items():
                html = self._page(url)
                for source, translation in texts.items():
                    with self.subTest(lang=code, url=url, text=source):
                        self.assertIn(translation, html)
                        self.assertNotIn(source, html)

    def test_english_stays_english(self):
        """Loading the languages leaves the customers who read English alone."""
        self._login_in("en_US")
        html = self._page("/my/service/tickets/new")
        self.assertIn("New Service Request", html)
        self.assertNotIn("新服务请求", html)

    def test_portal_error_message_translated(self):
        """A refusal of the portal form reaches the customer in its language."""
        Ticket = self.env["service.ticket"].with_context(lang="pt_BR")
        with self.assertRaises(UserError) as caught:
            Ticket._portal_prepare_values(self.user_portal_a.partner_id, {"name": " ", "description": ""})
        message = str(caught.exception)
        self.assertIn("Dê um assunto à sua solicitação.", message)
        self.assertIn("Descreva sua solicitação.", message)
        self.assertNotIn("Please give your request a subject.", message)

    def test_acknowledgement_email_in_the_customers_language(self):
        """The acknowledgement email follows the language of the customer it is sent to."""
        template = self.env.ref("service_desk.mail_template_ticket_received")
        expected = {
            "es_ES": ("Hemos recibido su solicitud", "Saludos cordiales"),
            "zh_CN": ("我们已收到您的请求", "此致敬礼"),
        }
        for code, texts in expected.items():
            self.user_portal_a.partner_id.lang = code
            body = template._render_field("body_html", self.ticket.ids, compute_lang=True)[self.ticket.id]
            with self.subTest(lang=code):
                for text in texts:
                    self.assertIn(text, body)
                self.assertNotIn("We have received your request", body)
                self.assertIn(self.ticket.number, body)
