from . import service_stage_duration_report, service_ticket_report
