from . import service_ticket_report
from . import service_stage_duration_report
from . import service_review_report
from . import service_rating_report
from . import service_customer_report
from . import service_volume_forecast
from . import service_remedy_report
