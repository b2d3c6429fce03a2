from . import api
from . import knowledge
from . import portal
from . import privacy
