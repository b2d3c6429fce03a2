from . import test_routing
from . import test_sla
