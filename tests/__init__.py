from . import test_access_configuration
from . import test_access_rules
from . import test_mail_gateway
from . import test_routing
from . import test_routing_concurrency
from . import test_sla
from . import test_ticket_lifecycle
from . import test_ui
