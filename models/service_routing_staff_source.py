from odoo import api, fields, models

from .cache_version import renew_company_version


class ServiceRoutingStaffSource(models.AbstractModel):
    """What routing knows of a team's members between two changes of its
    staff (service.team.member._routing_staff, cached in every worker):
    memberships, employees, their current version and resource (calendar,
    time zone), their skills and the skills' levels. Creating, deleting or
    changing such a record in a way routing reads renews the companies'
    routing staff version, which is part of the cache key: every worker
    reads its teams again at its next ticket. What changes with every
    ticket (loads, last assignments, time off) is never cached."""

    _name = "service.routing.staff.source"
    _inherit = ["service.cache.source"]
    _description = "Source of Cached Routing Staff"

    _service_cache_renewal = "_service_renew_routing_staff"


class ResCompany(models.Model):
    _inherit = "res.company"

    service_routing_staff_version = fields.Integer(
        string="Routing Staff Version",
        readonly=True,
        copy=False,
        help="Renewed by every change of the teams' members, their employees, calendars or skills: "
        "what routing knows of the members is cached under it.",
    )

    @api.model
    def _service_renew_routing_staff(self):
        """Give what routing caches of the teams' members a new version, on
        every company at once (a member's employee and skills may belong to
        any company): every worker reads it with its current company and
        reads the members again."""
        renew_company_version(self.env, "service_routing_staff_version")


class ServiceTeam(models.Model):
    _name = "service.team"
    _inherit = ["service.team", "service.routing.staff.source"]

    # a team's company is its members' (service.team.member.company_id)
    _service_cached_fields = frozenset({"company_id"})


class ServiceTeamMember(models.Model):
    _name = "service.team.member"
    _inherit = ["service.team.member", "service.routing.staff.source"]

    _service_cached_fields = frozenset({"team_id", "user_id", "active"})


class HrEmployee(models.Model):
    _name = "hr.employee"
    _inherit = ["hr.employee", "service.routing.staff.source"]

    _service_cached_fields = frozenset({"user_id", "company_id", "active", "resource_id", "current_version_id"})

    def _cron_update_current_version_id(self):
        # the current versions move with the date, computed without write()
        result = super()._cron_update_current_version_id()
        self.env["res.company"]._service_renew_routing_staff()
        return result


class HrVersion(models.Model):
    _name = "hr.version"
    _inherit = ["hr.version", "service.routing.staff.source"]

    # which version is an employee's current one, and its calendar
    _service_cached_fields = frozenset({"employee_id", "date_version", "resource_calendar_id", "active"})


class ResourceResource(models.Model):
    _name = "resource.resource"
    _inherit = ["resource.resource", "service.routing.staff.source"]

    _service_cached_fields = frozenset({"calendar_id", "tz"})


class HrEmployeeSkill(models.Model):
    _name = "hr.employee.skill"
    _inherit = ["hr.employee.skill", "service.routing.staff.source"]


class HrSkillLevel(models.Model):
    _name = "hr.skill.level"
    _inherit = ["hr.skill.level", "service.routing.staff.source"]

    _service_cached_fields = frozenset({"level_progress", "skill_type_id"})


class HrSkill(models.Model):
    # deleting a skill deletes its employees' skills in the database
    _name = "hr.skill"
    _inherit = ["hr.skill", "service.routing.staff.source"]

    _service_cached_fields = frozenset({"skill_type_id"})


class HrSkillType(models.Model):
    # deleting a type deletes its skills and levels in the database
    _name = "hr.skill.type"
    _inherit = ["hr.skill.type", "service.routing.staff.source"]

    _service_cached_fields = frozenset()
