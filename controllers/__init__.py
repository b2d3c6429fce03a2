from . import api
from . import knowledge
from . import portal
from . import privacy
from . import portal_warranty
from . import portal_remedy
