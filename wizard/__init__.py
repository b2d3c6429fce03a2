from . import service_ticket_selection_mixin
from . import service_log_contact
from . import service_review_wizard
from . import service_erase_wizard
from . import service_macro_apply
from . import stock_return_picking
from . import account_move_reversal
from . import service_ticket_merge
