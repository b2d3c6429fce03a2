from . import (
    res_partner,
    res_partner_interaction,
    res_partner_sla,
    service_api_request,
    service_category,
    service_category_skill,
    service_contact_timeline,
    service_interaction,
    service_percentile_mixin,
    service_sla_policy,
    service_stage,
    service_tag,
    service_team,
    service_team_member,
    service_team_member_routing,
    service_ticket,
    service_ticket_api,
    service_ticket_interaction,
    service_ticket_mail,
    service_ticket_routing,
    service_ticket_sla,
    service_ticket_sla_rules,
    service_ticket_type,
    service_tier,
    service_volume_forecast,
)
from . import res_company_retention
from . import res_config_settings
from . import service_ticket_retention
from . import res_partner_privacy
