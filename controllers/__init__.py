from . import api
from . import privacy
