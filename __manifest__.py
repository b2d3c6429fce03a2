{
    "name": "Service Desk",
    "version": "19.0.1.0.0",
    "category": "Services/Service Desk",
    "summary": "Customer service desk on your Odoo sales, deliveries and serial numbers",
    "description": """
Service Desk
============
Tickets from email, phone, portal, chat and API, handled by teams of agents, on
top of the customers, sale orders, deliveries and serial numbers the company
already keeps in Odoo.
""",
    "author": "service_desk developers",
    "website": "https://github.com/service-desk/service_desk",
    "license": "LGPL-3",
    "depends": ["mail", "portal", "rating", "resource", "hr_skills", "sale_stock"],
    "data": [
        "security/service_desk_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/mail_message_subtype_data.xml",
        "data/mail_template_data.xml",
        "data/service_stage_data.xml",
        "data/service_team_data.xml",
        "data/service_tier_data.xml",
        "data/service_ticket_type_data.xml",
        "data/service_sla_policy_data.xml",
        "data/ir_cron_data.xml",
        "views/service_ticket_views.xml",
        "views/service_team_views.xml",
        "views/service_team_member_views.xml",
        "views/service_stage_views.xml",
        "views/service_category_views.xml",
        "views/service_tag_views.xml",
        "views/service_tier_views.xml",
        "views/service_sla_policy_views.xml",
        "views/res_partner_views.xml",
        "views/service_ticket_sla_views.xml",
        "views/service_ticket_routing_views.xml",
        "views/menus.xml",
        "views/service_article_views.xml",
        "views/service_macro_views.xml",
        "views/knowledge_templates.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/hr_skills_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/product_demo.xml",
        "demo/stock.lot.csv",
        "demo/sale_order_demo.xml",
        "demo/service_team_demo.xml",
        "demo/service_ticket_demo.xml",
        "demo/service_sla_demo.xml",
        "demo/service_article_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "service_desk/static/src/tours/**/*",
        ],
        "web.assets_frontend": [
            "service_desk/static/src/interactions/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
