"""A million tickets (DESIGN.md section 9): what agents and customers do
first costs at most twice as much with 1 000 000 tickets as with 10 000.

The tickets are written in bulk SQL, 5 years of them, over 8 teams of 5
agents, 500 customer companies of 9 contacts each (a few customers write much
more than the others), four priorities, subjects in five languages naming a
product and a problem, sometimes an order number, drawn with a Zipf
distribution as words are in real subjects. The open ones are the newest, 13
per agent (520) at either size: a desk's backlog follows its agents and what
comes in, not the years of closed tickets behind it. Every open ticket has a
first-response and a resolution target, those of the oldest open tickets past
their deadline (`--due-lines` in all; should they need more than 520 tickets,
that many are open at either size).

Each operation is called as the web client or the portal calls it, as an
agent (record rules on) or a portal customer:

- the ticket list and kanban with the default filter of "All Tickets"
  (the action's context names the search view's filters);
- the kanban's progress bar (the count of each column by priority);
- searches typed in the search box: a number, a customer (its autocompletion),
  a rare word, a common word and a phrase of the subjects (the search view's
  filter domains);
- the team overview (the counters of the service.team kanban);
- a customer's portal list (its count and first page), of a company sharing
  its tickets with its contacts and of one that does not;
- the SLA deadline watch escalating the due targets.

The small fill is made first and its tables copied with their indexes into
the schema `scale_small`, then its deadline watch is timed; the large fill
replaces the tickets of the database. Every other operation is then timed on
both fills in turn (small, large, small..., the median of several runs each,
after a warm-up), the small one read through the search path: a machine
whose load changes in the minutes between the two fills weighs alike on both
sides. Each is also timed once per fill as it is made, minutes apart, and
logged beside, to show what the turns change. The large fill's deadline
watch comes last: its undone updates leave dead rows and pages no longer
all-visible, which the reads would wade through.

The database is left with both fills committed, since plans are only
realistic on committed, vacuumed tables (index-only scans need the
visibility map): this benchmark runs after every other one, and `make bench`
drops its database anyway.
"""

import ast
import logging
import statistics
import time
from contextlib import contextmanager

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.fields import Command, Domain
from odoo.sql_db import db_connect
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.service_desk import segmentation

_logger = logging.getLogger("service_desk.bench")

TARGET = 2.0
RUNS = 5
TEAMS, AGENTS_PER_TEAM = 8, 5
COMPANIES, CONTACTS_PER_COMPANY = 500, 9
YEARS = 5
# a desk's backlog follows its staff, not its history: the same open tickets at either size
OPEN_PER_AGENT = 13
LIST_LIMIT = 80  # the web client's list page
KANBAN_LIMIT = 40  # the web client's kanban column page
COUNT_LIMIT = 10_000  # the web client counts the records of a list up to this
PORTAL_ORDER = "create_date desc, id desc"  # the portal list's default sorting ("Newest")
FILLED_TABLES = ("service_ticket", "service_ticket_sla")
SMALL_SCHEMA = "scale_small"  # where the small fill is kept while the large one is measured

# A subject names a product, then what is wrong in one of the language's phrases, sometimes an
# order number: "Nimbus K120 not printing SO48213". Phrases and products are drawn by rank with
# a Zipf distribution (the n-th is n times rarer than the first), as words are in real subjects:
# the commonest phrase is in about a quarter of a language's subjects, the rarest product in
# under a thousandth of all tickets, and each order number in a handful.
PHRASES = {
    "en": (
        "not printing, paper jam, invoice missing, refund request, password reset, delivery late, "
        "screen broken, battery drains fast, account locked, wrong size, damaged parcel, app crashes, "
        "login error, payment declined, wifi drops, warranty claim, replacement needed, charger not working, "
        "bluetooth pairing fails, installation help, fan noise, subscription cancel, order wrong colour, "
        "cable missing, update failed, overheating after update, spare part request, quote request, "
        "return label, missing accessories"
    ),
    "fr": (
        "imprimante bloquée, bourrage papier, facture manquante, demande de remboursement, mot de passe oublié, "
        "livraison en retard, écran cassé, batterie faible, compte verrouillé, mauvaise taille, colis abîmé, "
        "application plante, erreur de connexion, paiement refusé, wifi coupé, garantie, remplacement demandé, "
        "chargeur en panne, appairage bluetooth, aide installation, ventilateur bruyant, annulation abonnement, "
        "mauvaise couleur, câble manquant, mise à jour échouée, surchauffe, pièce détachée, demande de devis, "
        "étiquette retour, accessoires manquants"
    ),
    "de": (
        "drucker druckt nicht, papierstau, rechnung fehlt, erstattung beantragt, passwort vergessen, "
        "lieferung verspätet, bildschirm kaputt, akku schwach, konto gesperrt, falsche größe, paket beschädigt, "
        "app stürzt ab, anmeldung fehlgeschlagen, zahlung abgelehnt, wlan bricht ab, garantiefall, ersatz benötigt, "
        "ladegerät defekt, bluetooth kopplung, hilfe installation, lüfter laut, abo kündigen, falsche farbe, "
        "kabel fehlt, update fehlgeschlagen, überhitzung, ersatzteil anfrage, angebot anfrage, rücksendeetikett, "
        "zubehör fehlt"
    ),
    "es": (
        "impresora atascada, atasco de papel, falta factura, solicitud de reembolso, contraseña olvidada, "
        "entrega retrasada, pantalla rota, batería dura poco, cuenta bloqueada, talla equivocada, paquete dañado, "
        "aplicación falla, error de acceso, pago rechazado, wifi se cae, reclamación garantía, reemplazo necesario, "
        "cargador no funciona, emparejamiento bluetooth, ayuda instalación, ruido ventilador, cancelar suscripción, "
        "color equivocado, falta cable, actualización fallida, sobrecalentamiento, pieza de repuesto, "
        "solicitud de presupuesto, etiqueta devolución, faltan accesorios"
    ),
    "zh": (
        "打印机 无法 打印, 卡纸, 发票 缺失, 申请 退款, 重置 密码, 配送 延迟, 屏幕 破损, 电池 耗电 快, 账户 锁定, "
        "尺寸 错误, 包裹 损坏, 应用 崩溃, 登录 错误, 付款 被拒, 网络 断开, 保修 索赔, 需要 更换, 充电器 故障, "
        "蓝牙 配对 失败, 安装 帮助, 风扇 噪音, 取消 订阅, 颜色 错误, 缺少 电缆, 更新 失败, 过热, 备件 申请, "
        "报价 申请, 退货 标签, 缺少 配件"
    ),
}
PRODUCT_BRANDS = ("Nimbus", "Orion", "Vega", "Atlas", "Zephyr", "Pulse", "Kite", "Echo")
PRODUCTS = 200  # each a brand and a model code of its own: "Nimbus K120"
ORDER_NUMBER_SHARE = 3  # one subject in three gives an order number
LANGUAGE_SHARES = (("en", 50), ("fr", 15), ("de", 15), ("es", 15), ("zh", 5))
PRIORITY_SHARES = (("0", 50), ("1", 30), ("2", 15), ("3", 5))
TEAM_WEIGHTS = (30, 20, 15, 10, 10, 8, 4, 3)


def _product_name(rank):
    """The product of this rank (1 the commonest): a brand and a model code
    of its own."""
    return f"{PRODUCT_BRANDS[rank % len(PRODUCT_BRANDS)]} K{100 + rank}"


def _vocabulary():
    """The subjects' parts as arrays for SQL: every language's phrases cut
    to the same count, in rank order, with their search words, the offset of
    each language in them, the phrases per language; and the products."""
    length = min(len(phrases.split(",")) for phrases in PHRASES.values())
    phrases, search_phrases, offsets = [], [], {}
    for language, language_phrases in PHRASES.items():
        offsets[language] = len(phrases)
        for phrase in language_phrases.split(",")[:length]:
            phrases.append(phrase.strip())
            search_phrases.append(segmentation.segmented_text(phrase.strip()))
    products = [_product_name(rank) for rank in range(1, PRODUCTS + 1)]
    return phrases, search_phrases, offsets, length, products


def _zipf_rank(count, seed):
    """A rank in 1..count drawn from the ticket number `g` with a Zipf
    distribution: uniform in the logarithm, so rank n comes about n times
    less often than rank 1."""
    uniform = SQL("((hashint8extended(g, %s) & 1048575) / 1048576.0)", seed)
    return SQL("least(%s, floor(power(%s + 1, %s))::int)", count, count, uniform)


def _cumulative(shares, value_sql):
    """A CASE choosing a value of `shares` ((value, percent), ...) from an
    expression uniformly spread over 0..99."""
    cases, total = [], 0
    for value, share in shares:
        total += share
        cases.append(SQL("WHEN %s < %s THEN %s", value_sql, total, value))
    return SQL("CASE %s END", SQL(" ").join(cases))


# ----------------------------------------------------------------------
# Fixtures: teams, agents, customers, a policy (committed once)
# ----------------------------------------------------------------------


def _create_fixtures(env):
    users = (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True, tracking_disable=True)
        .create(
            [
                {
                    "name": f"Scale agent {index}",
                    "login": f"scale_agent_{index}",
                    "email": f"scale_agent_{index}@example.com",
                    "group_ids": [Command.link(env.ref("service_desk.group_service_user").id)],
                }
                for index in range(TEAMS * AGENTS_PER_TEAM)
            ]
        )
    )
    teams = env["service.team"].create(
        [
            {
                "name": f"Scale team {index}",
                "member_ids": [
                    Command.create({"user_id": user.id, "max_open_tickets": 0})
                    for user in users[index * AGENTS_PER_TEAM : (index + 1) * AGENTS_PER_TEAM]
                ],
            }
            for index in range(TEAMS)
        ]
    )
    # the agent who is measured also helps the second team: two teams of eight
    agent = users[0]
    teams[1].member_ids = [Command.create({"user_id": agent.id, "max_open_tickets": 0})]
    companies, contacts = _insert_customers(env)
    # a contact (and a company, which shares its tickets with its contacts as by default) with
    # about as many tickets as the average customer: contacts come company after company, the
    # first ones write the most; and a contact of the next company, which does not share them
    portal_partner = env["res.partner"].browse(contacts[len(contacts) // 3][0])
    own_partner = env["res.partner"].browse(contacts[len(contacts) // 3 + CONTACTS_PER_COMPANY][0])
    own_partner.commercial_partner_id.service_portal_share_tickets = False
    portal_user, own_portal_user = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": partner.name,
                    "login": partner.email,
                    "partner_id": partner.id,
                    "group_ids": [Command.set([env.ref("base.group_portal").id])],
                }
                for partner in (portal_partner, own_partner)
            ]
        )
    )
    policy = env["service.sla.policy"].create({"name": "Scale SLA", "first_response_hours": 4, "resolution_hours": 24})
    env.flush_all()
    return {
        "users": users,
        "teams": teams,
        "agent": agent,
        "companies": companies,
        "contacts": contacts,
        "portal_user": portal_user,
        "own_portal_user": own_portal_user,
        "policy": policy,
        "calendar": env.company.resource_calendar_id,
    }


def _insert_customers(env):
    """Companies and their contacts in a few statements, with the commercial
    partner that tickets store."""
    env.flush_all()
    company = env.company.id
    env.cr.execute(
        SQL(
            """
        INSERT INTO res_partner (name, complete_name, is_company, active, type, lang, company_id,
                                 email, autopost_bills, service_portal_share_tickets, create_date, write_date,
                                 create_uid, write_uid)
        SELECT 'Scale Customer ' || g, 'Scale Customer ' || g, TRUE, TRUE, 'contact', 'en_US', %(company)s,
               'contact@customer' || g || '.example.com', 'ask', TRUE, now() at time zone 'UTC',
               now() at time zone 'UTC', 1, 1
          FROM generate_series(1, %(companies)s) g
        RETURNING id
        """,
            company=company,
            companies=COMPANIES,
        )
    )
    companies = sorted(row[0] for row in env.cr.fetchall())
    env.cr.execute(
        SQL(
            """
        UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%(ids)s)
        """,
            ids=companies,
        )
    )
    env.cr.execute(
        SQL(
            """
        INSERT INTO res_partner (name, complete_name, parent_id, commercial_partner_id, is_company,
                                 active, type, lang, company_id, email, autopost_bills, create_date, write_date,
                                 create_uid, write_uid)
        SELECT 'Contact ' || c || ' of ' || parent.name, parent.name || ', Contact ' || c, parent.id, parent.id,
               FALSE, TRUE, 'contact', 'en_US', %(company)s,
               'contact' || c || '@customer' || parent.id || '.example.com', 'ask',
               now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
          FROM res_partner parent, generate_series(1, %(contacts)s) c
         WHERE parent.id = ANY(%(ids)s)
         ORDER BY parent.id, c
        RETURNING id, parent_id, email
        """,
            company=company,
            contacts=CONTACTS_PER_COMPANY,
            ids=companies,
        )
    )
    env.invalidate_all()
    return companies, sorted(env.cr.fetchall())


# ----------------------------------------------------------------------
# The fill: tickets and SLA targets in bulk, indexes built afterwards
# ----------------------------------------------------------------------


def _table_objects(cr, table):
    """The indexes of `table` that no constraint owns, and its foreign keys:
    dropped before a bulk fill and made again after it, as a restore does
    (one index build and one check per constraint instead of one per row)."""
    cr.execute(
        """
        SELECT index.relname, pg_get_indexdef(index.oid), obj_description(index.oid, 'pg_class')
          FROM pg_index i
          JOIN pg_class index ON index.oid = i.indexrelid
         WHERE i.indrelid = %s::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [table],
    )
    indexes = cr.fetchall()
    cr.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    return indexes, cr.fetchall()


def _open_tickets(due_lines):
    """How many of the newest tickets are open: the agents' backlog, or
    more when the due targets asked for need more tickets to carry them
    (two targets a ticket)."""
    return max(TEAMS * AGENTS_PER_TEAM * OPEN_PER_AGENT, (due_lines + 1) // 2)


def _fill(env, fixtures, count, due_lines):
    """Replace the benchmark's tickets by `count` new ones and their SLA
    targets, commit, and vacuum and analyze the tables as autovacuum would."""
    cr = env.cr
    env.flush_all()
    start = time.perf_counter()
    cr.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cr.execute("DELETE FROM service_ticket_sla WHERE ticket_id IN (SELECT id FROM service_ticket)")
    cr.execute("DELETE FROM service_ticket")
    objects = {table: _table_objects(cr, table) for table in FILLED_TABLES}
    for table, (indexes, foreign_keys) in objects.items():
        for name, __, __ in indexes:
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        for name, __ in foreign_keys:
            cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
    deleted = time.perf_counter()
    _insert_tickets(env, fixtures, count, _open_tickets(due_lines))
    inserted = time.perf_counter()
    _insert_sla_targets(env, fixtures, due_lines)
    filled = time.perf_counter()
    for table, (indexes, foreign_keys) in objects.items():
        for name, definition, comment in indexes:
            cr.execute(definition)
            if comment:  # Odoo compares a models.Index's definition with it
                cr.execute(SQL("COMMENT ON INDEX %s IS %s", SQL.identifier(name), comment))
        for name, definition in foreign_keys:
            cr.execute(
                SQL(
                    "ALTER TABLE %s ADD CONSTRAINT %s %s",
                    SQL.identifier(table),
                    SQL.identifier(name),
                    SQL(definition),  # read from the catalog above
                )
            )
    indexed = time.perf_counter()
    # committed, so that vacuum marks the pages all-visible as on a live database
    cr.commit()  # pylint: disable=invalid-commit
    _vacuum_analyze(env, ("service_ticket", "service_ticket_sla", "res_partner"))
    env.invalidate_all()
    env.registry.clear_cache()
    done = time.perf_counter()
    _logger.info(
        "scale: %s tickets: emptied %.1fs, tickets inserted %.1fs, SLA targets %.1fs, indexes and keys %.1fs, "
        "vacuum %.1fs",
        count,
        deleted - start,
        inserted - deleted,
        filled - inserted,
        indexed - filled,
        done - indexed,
    )
    return done - start


def _vacuum_analyze(env, tables):
    """VACUUM ANALYZE each of `tables`: a name, or a (schema, name) pair."""

    with db_connect(env.cr.dbname).cursor() as cr:
        cr._cnx.autocommit = True  # VACUUM refuses to run in a transaction
        try:
            for table in tables:
                name = SQL.identifier(*table) if isinstance(table, tuple) else SQL.identifier(table)
                cr.execute(SQL("VACUUM ANALYZE %s", name))
        finally:
            cr._cnx.autocommit = False


def _insert_tickets(env, fixtures, count, open_tickets):
    phrases, search_phrases, offsets, length, products = _vocabulary()
    language_offset = _cumulative(
        [(offsets[language], share) for language, share in LANGUAGE_SHARES], SQL("(g * 37 %% 100)")
    )
    priority = _cumulative(PRIORITY_SHARES, SQL("(g * 53 %% 100)"))
    weights = []
    for index, weight in enumerate(TEAM_WEIGHTS):
        weights.append((index, weight * 100 // sum(TEAM_WEIGHTS) + (1 if index < 2 else 0)))
    team_index = _cumulative(weights, SQL("(g * 71 %% 100)"))
    env.cr.execute(
        SQL(
            """
        INSERT INTO service_ticket (
            name, search_words, number, company_id, team_id, user_id, stage_id, is_closed, is_resolved,
            priority, ticket_type, channel, active, partner_id, commercial_partner_id, partner_email,
            escalation_level, reopen_count, sla_status, first_response_date, resolved_date, closed_date,
            create_date, write_date, create_uid, write_uid)
        SELECT concat_ws(' ', w.products[product], w.phrases[o + phrase], order_number),
               concat_ws(' ', w.products[product], w.search[o + phrase], order_number),
               'SD' || lpad(g::text, greatest(5, length(g::text)), '0'), %(company)s, (%(teams)s::int[])[1 + team],
               CASE WHEN is_open AND g %% 10 = 0 THEN NULL
                    ELSE (%(users)s::int[])[1 + team * %(per_team)s + g %% %(per_team)s] END,
               stage.id, COALESCE(stage.is_closed, FALSE), COALESCE(stage.is_resolved, FALSE), priority, 'question',
               (ARRAY['email', 'phone', 'web', 'portal', 'chat', 'api'])[1 + g %% 6], TRUE,
               (%(contacts)s::int[])[contact], (%(contact_companies)s::int[])[contact],
               (%(contact_emails)s::text[])[contact],
               0, 0, CASE WHEN is_open THEN 'ongoing' ELSE 'met' END,
               created + interval '1 hour' * (g %% 7),
               CASE WHEN stage.is_resolved THEN created + interval '1 hour' * (g %% 50) END,
               CASE WHEN stage.is_closed THEN created + interval '1 hour' * (g %% 50 + 24) END,
               created, created, 1, 1
          FROM generate_series(1::bigint, %(count)s) g
         CROSS JOIN (SELECT %(phrases)s::text[], %(search_phrases)s::text[], %(products)s::text[])
                 w(phrases, search, products)
         CROSS JOIN LATERAL (
                SELECT %(language_offset)s, %(phrase)s, %(product)s,
                       CASE WHEN hashint8extended(g, 3) %% %(order_share)s = 0
                            THEN 'SO' || (10000 + abs(hashint8extended(g, 4)) %% 90000) END,
                       %(priority)s, %(team_index)s,
                       g > %(count)s - %(open_tickets)s,
                       -- a few customers write much more than the others
                       1 + floor(%(contact_count)s * power(((g * 7919) %% 10007) / 10007.0, 2))::int,
                       now() at time zone 'UTC' - interval '1 minute'
                           * ((%(count)s - g)::float / %(count)s * %(minutes)s)::bigint
             ) facts(o, phrase, product, order_number, priority, team, is_open, contact, created)
         CROSS JOIN LATERAL (
                SELECT CASE WHEN is_open THEN (%(open_stages)s::int[])[1 + g %% 5]
                            ELSE (%(closed_stages)s::int[])[1 + g %% 19] END
             ) chosen(stage_id)
          JOIN service_stage stage ON stage.id = chosen.stage_id
        """,
            company=env.company.id,
            teams=fixtures["teams"].ids,
            users=fixtures["users"].ids,
            per_team=AGENTS_PER_TEAM,
            contacts=[contact for contact, __, __ in fixtures["contacts"]],
            contact_companies=[company for __, company, __ in fixtures["contacts"]],
            contact_emails=[email for __, __, email in fixtures["contacts"]],
            count=count,
            phrases=phrases,
            search_phrases=search_phrases,
            products=products,
            phrase=_zipf_rank(length, 1),
            product=_zipf_rank(PRODUCTS, 2),
            order_share=ORDER_NUMBER_SHARE,
            language_offset=language_offset,
            priority=priority,
            team_index=team_index,
            open_tickets=open_tickets,
            contact_count=len(fixtures["contacts"]),
            minutes=YEARS * 365 * 24 * 60,
            open_stages=_stage_ids(env, ["new", "in_progress", "in_progress", "waiting", "resolved"]),
            closed_stages=_stage_ids(env, ["closed"] * 18 + ["cancelled"]),
        )
    )


def _stage_ids(env, names):
    return [env.ref(f"service_desk.stage_{name}").id for name in names]


def _insert_sla_targets(env, fixtures, due_lines):
    """A first-response and a resolution target for each open ticket; both
    of the oldest open tickets are past their deadline, `due_lines` in all."""
    env.cr.execute(
        SQL(
            """
        INSERT INTO service_ticket_sla (ticket_id, policy_id, target_type, company_id, team_id, user_id, partner_id,
                                        calendar_id, target_hours, warning_percent, start_date, deadline,
                                        warning_date, status, paused_hours, warned, escalated, met_count,
                                        breached_count, create_date, write_date, create_uid, write_uid)
        SELECT ticket.id, %(policy)s, target.kind, ticket.company_id, ticket.team_id, ticket.user_id,
               ticket.commercial_partner_id, %(calendar)s, target.hours, 80, ticket.create_date,
               CASE WHEN ticket.rank <= %(due_tickets)s THEN now() at time zone 'UTC' - interval '1 hour'
                    ELSE now() at time zone 'UTC' + interval '30 days' END,
               CASE WHEN ticket.rank <= %(due_tickets)s THEN now() at time zone 'UTC' - interval '2 hours'
                    ELSE now() at time zone 'UTC' + interval '29 days' END,
               'ongoing', 0, FALSE, FALSE, 0, 0, ticket.create_date, ticket.create_date, 1, 1
          FROM (SELECT t.*, row_number() OVER (ORDER BY t.id) AS rank
                  FROM service_ticket t WHERE NOT t.is_closed) ticket,
               (VALUES ('first_response', 4), ('resolution', 24)) AS target(kind, hours)
        """,
            policy=fixtures["policy"].id,
            calendar=fixtures["calendar"].id,
            due_tickets=(due_lines + 1) // 2,
        )
    )


# ----------------------------------------------------------------------
# What the web client and the portal ask
# ----------------------------------------------------------------------


def _specification(model, view_type):
    """The fields of a view as the web client reads them: relational fields
    with their display name (and colour for tags)."""
    arch = model.get_views([(False, view_type)])["views"][view_type]["arch"]
    specification = {}
    for node in etree.fromstring(arch).iter("field"):
        name = node.get("name")
        field = model._fields.get(name)
        if field is None or name in specification:
            continue
        if field.type == "many2one":
            specification[name] = {"fields": {"display_name": {}}}
        elif field.type in ("one2many", "many2many"):
            comodel = model.env[field.comodel_name]
            subfields = {"display_name": {}}
            if "color" in comodel._fields:
                subfields["color"] = {}
            specification[name] = {"fields": subfields}
        else:
            specification[name] = {}
    return specification


def _action_setup(env, xmlid):
    """The domain and context the web client opens `xmlid` with, for the user
    of `env`: the action's domain and the search view's filters its context
    names (the action is loaded as superuser, as /web/action/load does)."""
    action = env(su=True).ref(xmlid)
    context = ast.literal_eval(action.context or "{}")
    model = env[action.res_model]
    arch = etree.fromstring(model.get_views([(action.search_view_id.id, "search")])["views"]["search"]["arch"])
    eval_context = {"uid": env.uid, "context_today": None}
    domain = Domain(safe_eval(action.domain or "[]", eval_context))
    for node in arch.iter("filter"):
        if context.get(f"search_default_{node.get('name')}") and node.get("domain"):
            domain &= Domain(safe_eval(node.get("domain"), eval_context))
    fields = {node.get("name"): node for node in arch.iter("field")}
    context = {key: value for key, value in context.items() if not key.startswith("search_default_")}
    return domain, context, fields


def _search_domain(field_node, value):
    """What typing `value` in the search box and choosing this field gives."""
    if field_node.get("filter_domain"):
        return Domain(safe_eval(field_node.get("filter_domain"), {"self": value}))
    return Domain(field_node.get("name"), field_node.get("operator") or "ilike", value)


def _operations(env, fixtures):
    """The measured operations: name -> (what, function run by a fresh request)."""
    agent_env = env(user=fixtures["agent"].id, context={"lang": "en_US", "tz": "UTC"})
    domain, context, search_fields = _action_setup(agent_env, "service_desk.service_ticket_action_all")
    Ticket = agent_env["service.ticket"].with_context(**context)
    list_spec = _specification(Ticket, "list")
    kanban_spec = _specification(Ticket, "kanban")
    progress_bar = {"field": "priority", "colors": {"3": "danger", "2": "warning", "1": "info", "0": "200"}}
    Team = agent_env["service.team"]
    team_spec = _specification(Team, "kanban")

    def sample(where):
        """A ticket the agent would look for, read when the operation runs:
        one of their teams', so that its list has a page to read at both
        sizes."""
        env.cr.execute(
            SQL(
                "SELECT number, name, partner_id FROM service_ticket "
                "WHERE team_id = ANY(%s) AND %s ORDER BY id LIMIT 1",
                fixtures["agent"].sudo().service_team_ids.ids,
                where,
            )
        )
        return env.cr.fetchone()

    open_ticket = sample(SQL("NOT is_closed AND id %% 7 = 3"))
    number, __, partner_id = open_ticket
    company_id = env["res.partner"].browse(partner_id).commercial_partner_id.id
    # what agents type: the order number an open ticket gives (in a handful of tickets), the last
    # word of the commonest English phrase, a whole phrase (each word a term, the last one a prefix
    # as it is typed)
    english = [phrase.strip() for phrase in PHRASES["en"].split(",")]
    rare_word = sample(SQL("NOT is_closed AND id %% 7 = 3 AND name LIKE %s", "% SO%"))[1].split()[-1]
    common_word = english[0].split()[-1]
    phrase = english[1]

    def list_page(search=Domain.TRUE):
        return Ticket.web_search_read(domain & search, list_spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT + 1)

    def portal_list(user):
        PortalTicket = env(user=user.id, context={"lang": "en_US", "tz": "UTC"})["service.ticket"]
        portal_domain = PortalTicket._portal_filter_domains()["all"]
        if PortalTicket.search_count(portal_domain):
            tickets = PortalTicket.search(portal_domain, order=PORTAL_ORDER, limit=CustomerPortal._items_per_page)
            tickets._portal_promised_response()
            tickets.mapped("name")

    return {
        "scale_list_open": ("ticket list, first page, Open", list_page),
        "scale_kanban_open": (
            "ticket kanban by stage, first cards of each column, Open",
            lambda: Ticket.with_context(read_group_expand=True).web_read_group(
                domain,
                ["stage_id"],
                [],
                auto_unfold=True,
                unfold_read_specification=kanban_spec,
                unfold_read_default_limit=KANBAN_LIMIT,
            ),
        ),
        "scale_kanban_progress": (
            "kanban progress bars (stage x priority counts), Open",
            lambda: Ticket.read_progress_bar(domain, "stage_id", progress_bar),
        ),
        "scale_search_number": (
            "search box: a ticket number, Open",
            lambda: list_page(_search_domain(search_fields["name"], number)),
        ),
        "scale_search_customer": (
            "search box: a customer company (child_of), Open",
            lambda: list_page(_search_domain(search_fields["partner_id"], company_id)),
        ),
        "scale_search_subject_rare": (
            f"search box: a rare word ({rare_word}), Open",
            lambda: list_page(_search_domain(search_fields["name"], rare_word)),
        ),
        "scale_search_subject_common": (
            f"search box: a common word ({common_word}), Open",
            lambda: list_page(_search_domain(search_fields["name"], common_word)),
        ),
        "scale_search_subject_phrase": (
            f"search box: a phrase ({phrase}), Open",
            lambda: list_page(_search_domain(search_fields["name"], phrase)),
        ),
        "scale_team_overview": (
            "team overview kanban (open, unassigned, urgent counters)",
            lambda: Team.web_search_read([], team_spec, limit=KANBAN_LIMIT),
        ),
        "scale_portal_list": (
            "a customer's portal ticket list (count, first page), company's tickets",
            lambda: portal_list(fixtures["portal_user"]),
        ),
        "scale_portal_list_own": (
            "a customer's portal ticket list (count, first page), own tickets (company not sharing)",
            lambda: portal_list(fixtures["own_portal_user"]),
        ),
    }


def _measure(env, function):
    """Median of RUNS fresh runs (the record cache emptied as between two
    requests) after a warm-up."""

    def run():
        env.invalidate_all()
        function()

    run()
    times = []
    for __ in range(RUNS):
        env.invalidate_all()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _measure_cron(bench, env, due_lines):
    """The deadline watch escalating `due_lines` targets, undone after."""
    Line = env["service.ticket.sla"]

    def run():
        with bench.rolled_back():
            start = time.perf_counter()
            Line._cron_check_deadlines()
            env.flush_all()
            elapsed = time.perf_counter() - start
            escalated = Line.search_count([("escalated", "=", True)])
            if escalated != due_lines:
                raise AssertionError(f"{escalated} of {due_lines} due targets escalated")
            return elapsed

    return run()


def _set_aside(env, schema):
    """Copy the fill's tickets and SLA targets, with their indexes, into
    tables of the same names in `schema`, committed, vacuumed and analyzed:
    the next fill replaces those of the database while these stay readable
    through `_reading`."""
    cr = env.cr
    env.flush_all()
    cr.execute(SQL("CREATE SCHEMA %s", SQL.identifier(schema)))
    for table in FILLED_TABLES:
        cr.execute(SQL("CREATE TABLE %s (LIKE %s INCLUDING ALL)", SQL.identifier(schema, table), SQL.identifier(table)))
        cr.execute(SQL("INSERT INTO %s SELECT * FROM %s", SQL.identifier(schema, table), SQL.identifier(table)))
    cr.commit()  # pylint: disable=invalid-commit
    _vacuum_analyze(env, [(schema, table) for table in FILLED_TABLES])


@contextmanager
def _reading(env, schema):
    """Inside, the ticket tables of `schema` (None: the database's own) are
    the ones every query reads: PostgreSQL looks for them there first."""
    env.invalidate_all()
    env.cr.execute("SELECT current_setting('search_path')")
    search_path = env.cr.fetchone()[0]
    if schema:
        env.cr.execute(SQL("SELECT set_config('search_path', %s, false)", f'"{schema}", {search_path}'))
    try:
        yield
    finally:
        env.invalidate_all()
        env.cr.execute(SQL("SELECT set_config('search_path', %s, false)", search_path))


def _measure_in_turn(env, sides):
    """{size: median of RUNS fresh runs} of each side's function, run in
    turn (small, large, small, large...) after a warm-up of each, so that
    the machine's load weighs alike on both. `sides`: {size: (schema,
    function)}."""
    times = {size: [] for size in sides}
    for __ in range(RUNS + 1):
        for size, (schema, function) in sides.items():
            with _reading(env, schema):
                start = time.perf_counter()
                function()
                times[size].append(time.perf_counter() - start)
    return {size: statistics.median(seconds[1:]) for size, seconds in times.items()}


def bench_scale(bench):
    env, args = bench.env, bench.args
    env.cr.execute("SELECT EXISTS(SELECT FROM service_ticket)")
    if env.cr.fetchone()[0]:
        raise RuntimeError(
            "The scale benchmark replaces every ticket of its database and commits: "
            "run it on a database without tickets, such as the one `make bench` installs."
        )
    superuser_env = api.Environment(env.cr, SUPERUSER_ID, {})
    fixtures = _create_fixtures(superuser_env)
    small, large = args.scale_small, args.scale_large
    cron, apart, fill_times = {}, {}, {}
    for count in (small, large):
        fill_times[count] = _fill(superuser_env, fixtures, count, args.due_lines)
        # each operation once per size as it comes, minutes apart, for comparison with the turns below
        for name, (__, function) in _operations(superuser_env, fixtures).items():
            apart.setdefault(name, {})[count] = _measure(superuser_env, function)
        if count == small:
            # set aside as filled: the deadline watch's undone updates leave dead rows in the tables
            _set_aside(superuser_env, SMALL_SCHEMA)
            cron[small] = _measure_cron(bench, superuser_env, args.due_lines)
    _logger.info("scale: fill times %s", {count: round(seconds, 1) for count, seconds in fill_times.items()})
    with _reading(superuser_env, SMALL_SCHEMA):
        small_operations = _operations(superuser_env, fixtures)
    large_operations = _operations(superuser_env, fixtures)
    for name, (subject, large_function) in large_operations.items():
        times = _measure_in_turn(
            superuser_env, {small: (SMALL_SCHEMA, small_operations[name][1]), large: (None, large_function)}
        )
        _logger.info(
            "scale: %s, %s / %s tickets: %.1f / %.1f ms in turn, %.1f / %.1f ms minutes apart",
            name,
            large,
            small,
            times[large] * 1000,
            times[small] * 1000,
            apart[name][large] * 1000,
            apart[name][small] * 1000,
        )
        bench.record(name, subject, f"{large} tickets", times[large], f"{small} tickets", times[small], TARGET)
    # last: its undone updates leave dead rows, which the reads above would wade through
    cron[large] = _measure_cron(bench, superuser_env, args.due_lines)
    _logger.info("scale: scale_sla_cron, %s / %s tickets: %.1f / %.1f s", large, small, cron[large], cron[small])
    bench.record(
        "scale_sla_cron",
        f"SLA deadline watch, {args.due_lines} due targets",
        f"{large} tickets",
        cron[large],
        f"{small} tickets",
        cron[small],
        TARGET,
    )


BENCHMARKS = [("scale", bench_scale)]
