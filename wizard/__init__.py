from . import service_log_contact
