from . import test_routing
from . import test_sla
from . import test_routing_concurrency
