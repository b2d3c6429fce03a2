"""Steps of `make check-upgrade` (tools/check_upgrade.sh), one per run:

    python tools/check_upgrade.py prepare|verify|uninstall DB ODOO_OPTIONS...

prepare    creates the data a user makes and edits: a team with its alias and
           settings, tickets, company and system settings, and edits of the
           records the addon ships (stage, SLA policy, ticket type, subtype,
           mail template, cron)
verify     after `-u service_desk`: all of it is still there, as it was left
uninstall  uninstalls service_desk and checks that its menus, crons, models,
           tables and SQL objects are gone

Each step prints what it checked and exits non-zero with the list of what
failed.
"""

# a command-line step of `make check-upgrade`: what it prints is its report
# pylint: disable=print-used

import sys

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

TEAM_NAME = "Upgrade check: returns desk"
TICKET_NAMES = [f"Upgrade check ticket {i}" for i in range(3)]
EDITED = {
    # xmlid: {field: value a user set}
    "service_desk.stage_new": {"name": "Inbox", "sequence": 2},
    "service_desk.sla_policy_standard": {"first_response_hours": 6.0, "resolution_hours": 30.0},
    "service_desk.ticket_type_question": {"name": "Customer question"},
    "service_desk.mt_ticket_resolved": {"default": False},
    "service_desk.mail_template_ticket_received": {"subject": "We have your request"},
    "service_desk.ir_cron_sla_check_deadlines": {"active": False},
    "service_desk.team_default": {"name": "Front desk"},
}
PARAMS = {"service_desk.max_email_mb": "12"}
COMPANY_SETTINGS = {"service_archive_months": 7, "service_purge_months": 30, "service_purge_enabled": True}
SQL_OBJECTS = ["service_article_search", "service_article_search_lang"]


def prepare(env):
    company = env.company
    env["res.config.settings"].create(dict(COMPANY_SETTINGS)).execute()
    for key, value in PARAMS.items():
        env["ir.config_parameter"].set_param(key, value)
    for xmlid, values in EDITED.items():
        env.ref(xmlid).write(values)
    partner = env["res.partner"].create({"name": "Upgrade Check Customer", "email": "upgrade.check@example.com"})
    team = env["service.team"].create(
        {
            "name": TEAM_NAME,
            "alias_name": "returns-upgrade-check",
            "assignment_method": _second_choice(env["service.team"], "assignment_method"),
            "reopen_window_days": 11,
            "member_ids": [(0, 0, {"user_id": env.ref("base.user_admin").id, "max_open_tickets": 9})],
        }
    )
    tag = env["service.tag"].create({"name": "upgrade-check"})
    for i, name in enumerate(TICKET_NAMES):
        env["service.ticket"].create(
            {
                "name": name,
                "partner_id": partner.id,
                "team_id": team.id,
                "priority": str(i + 1),
                "ticket_type": "incident",
                "tag_ids": [(6, 0, tag.ids)],
            }
        )
    assert company.service_archive_months == 7, "the settings were not saved"
    return []


def _second_choice(model, field_name):
    """A value other than the default, so a reset shows."""
    selection = model._fields[field_name].selection
    if callable(selection):
        selection = selection(model)
    elif isinstance(selection, str):
        selection = getattr(model, selection)()
    default = model.default_get([field_name]).get(field_name)
    return next(key for key, __ in selection if key != default)


def _open_units_held(env, member):
    """The open units of `member`'s tickets, counted one by one."""
    from odoo.addons.service_desk.models.service_team_member_routing import DEFAULT_CHANNEL_WEIGHTS

    weights = {line.channel: line.weight for line in member.team_id.channel_weight_ids}
    tickets = env["service.ticket"].search(
        [("team_id", "=", member.team_id.id), ("user_id", "=", member.user_id.id), ("is_closed", "=", False)]
    )
    return sum(weights.get(t.channel, DEFAULT_CHANNEL_WEIGHTS.get(t.channel, 1.0)) for t in tickets)


def verify(env):
    errors = []
    company = env.company
    for field_name, value in COMPANY_SETTINGS.items():
        if company[field_name] != value:
            errors.append(f"company setting {field_name} is {company[field_name]!r}, expected {value!r}")
    for key, value in PARAMS.items():
        found = env["ir.config_parameter"].get_param(key)
        if found != value:
            errors.append(f"system parameter {key} is {found!r}, expected {value!r}")
    for xmlid, values in EDITED.items():
        record = env.ref(xmlid, raise_if_not_found=False)
        if not record:
            errors.append(f"{xmlid} is gone")
            continue
        record = record.with_context(active_test=False)
        for field_name, value in values.items():
            if record[field_name] != value:
                errors.append(f"{xmlid}.{field_name} is {record[field_name]!r} again, the user set {value!r}")
    team = env["service.team"].search([("name", "=", TEAM_NAME)])
    if len(team) != 1:
        errors.append(f"{len(team)} teams named {TEAM_NAME!r}, expected 1")
    else:
        if team.alias_name != "returns-upgrade-check":
            errors.append(f"the team's alias is {team.alias_name!r}")
        if team.assignment_method != _second_choice(env["service.team"], "assignment_method"):
            errors.append(f"the team's assignment method is {team.assignment_method!r}")
        if team.reopen_window_days != 11:
            errors.append(f"the team's reopen window is {team.reopen_window_days}")
        if team.member_ids.mapped("max_open_tickets") != [9]:
            errors.append(f"the team's members are {team.member_ids.mapped('max_open_tickets')}")
        held = _open_units_held(env, team.member_ids[:1])
        if team.member_ids[:1].open_units != held:
            errors.append(f"the member's load is {team.member_ids[:1].open_units}, its tickets weigh {held}")
    tickets = env["service.ticket"].search([("name", "in", TICKET_NAMES)], order="name")
    if tickets.mapped("name") != TICKET_NAMES:
        errors.append(f"tickets left: {tickets.mapped('name')}")
    for i, ticket in enumerate(tickets):
        if (
            ticket.team_id != team
            or ticket.priority != str(i + 1)
            or ticket.ticket_type != "incident"
            or ticket.tag_ids.mapped("name") != ["upgrade-check"]
            or not ticket.number
            or ticket.partner_id.email != "upgrade.check@example.com"
        ):
            errors.append(f"ticket {ticket.name} lost its settings")
    print(
        f"check-upgrade: verified {len(COMPANY_SETTINGS) + len(PARAMS)} settings, "
        f"{sum(len(v) for v in EDITED.values())} edited fields of shipped records, "
        f"1 team and {len(tickets)} tickets"
    )
    return errors


def uninstall(env):
    module = env["ir.module.module"].search([("name", "=", "service_desk")])
    module.button_immediate_uninstall()
    return []


def check_uninstalled(cr):
    errors = []
    cr.execute("SELECT state FROM ir_module_module WHERE name = 'service_desk'")
    state = cr.fetchone()[0]
    if state != "uninstalled":
        errors.append(f"service_desk is {state!r}")
    cr.execute("SELECT model, count(*) FROM ir_model_data WHERE module = 'service_desk' GROUP BY model")
    left = cr.fetchall()
    if left:
        errors.append(f"records of service_desk left: {left}")
    cr.execute("""SELECT count(*) FROM ir_ui_menu m JOIN ir_act_window a
                   ON m.action = 'ir.actions.act_window,' || a.id WHERE a.res_model LIKE 'service.%%'""")
    if cr.fetchone()[0]:
        errors.append("menus to service.* models are left")
    cr.execute(
        "SELECT count(*) FROM ir_cron c JOIN ir_act_server s ON s.id = c.ir_actions_server_id "
        "JOIN ir_model m ON m.id = s.model_id WHERE m.model LIKE 'service.%%'"
    )
    if cr.fetchone()[0]:
        errors.append("crons on service.* models are left")
    cr.execute("SELECT model FROM ir_model WHERE model LIKE 'service.%%'")
    models = [row[0] for row in cr.fetchall()]
    if models:
        errors.append(f"models left: {models}")
    cr.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND (table_name LIKE 'service\\_%%' OR table_name = ANY(%s))",
        [SQL_OBJECTS],
    )
    tables = [row[0] for row in cr.fetchall()]
    if tables:
        errors.append(f"tables or views left: {tables}")
    cr.execute("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE 'service\\_%%'")
    sequences = [row[0] for row in cr.fetchall()]
    if sequences:
        errors.append(f"sequences left: {sequences}")
    cr.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'service\\_article%%'")
    functions = [row[0] for row in cr.fetchall()]
    if functions:
        errors.append(f"SQL functions left: {functions}")
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name IN ('res_partner', "
        "'res_company') AND column_name LIKE 'service\\_%%'"
    )
    columns = [row[0] for row in cr.fetchall()]
    if columns:
        errors.append(f"columns left on partners and companies: {columns}")
    cr.execute("SELECT key FROM ir_config_parameter WHERE key LIKE 'service\\_desk.%%segmenter'")
    params = [row[0] for row in cr.fetchall()]
    if params:
        errors.append(f"technical system parameters left: {params}")
    print(
        "check-upgrade: after the uninstall, checked the module state, its records (menus, crons, views, "
        "rules), models, tables, sequences, SQL functions, columns and technical parameters"
    )
    return errors


def main():
    step, db, options = sys.argv[1], sys.argv[2], sys.argv[3:]
    config.parse_config([*options, "--http-interface=127.0.0.1"])
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        errors = {"prepare": prepare, "verify": verify, "uninstall": uninstall}[step](env)
    if step == "uninstall":
        with Registry.new(db).cursor() as cr:
            errors += check_uninstalled(cr)
    if errors:
        print(f"check-upgrade: {step} FAILED:", *errors, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"check-upgrade: {step} ok")


if __name__ == "__main__":
    main()
