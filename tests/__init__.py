from . import (
    test_access_configuration,
    test_access_rules,
    test_api,
    test_forecast,
    test_interaction,
    test_mail_gateway,
    test_report,
    test_routing,
    test_routing_concurrency,
    test_sla,
    test_ticket_lifecycle,
    test_ui,
)
from . import test_privacy
