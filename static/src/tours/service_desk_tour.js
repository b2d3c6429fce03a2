import { registry } from "@web/core/registry";

/**
 * An agent takes a phone call: from the tickets kanban they quick-create a
 * ticket for the caller, open it, start working on it and resolve it.
 * The Python test creates the customer and checks the database afterwards.
 */
const SUBJECT = "Tour: printer on fire";
const CUSTOMER = "SD Tour Customer";
const TEAM = "SD Team A";

registry.category("web_tour.tours").add("service_desk_ticket_tour", {
    steps: () => [
        {
            content: "The tickets kanban is grouped by stage",
            trigger: ".o_kanban_renderer .o_kanban_group .o_column_title:contains(New)",
        },
        {
            content: "Quick-create a ticket",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Subject",
            trigger: ".o_kanban_quick_create .o_field_widget[name=name] input",
            run: `edit ${SUBJECT}`,
        },
        {
            content: "Customer",
            trigger: ".o_kanban_quick_create .o_field_widget[name=partner_id] input",
            run: `edit ${CUSTOMER}`,
        },
        {
            trigger: `.o_kanban_quick_create .o_field_widget[name=partner_id] .o-autocomplete--dropdown-item > a:contains(${CUSTOMER})`,
            run: "click",
        },
        {
            content: "Team",
            trigger: ".o_kanban_quick_create .o_field_widget[name=team_id] input",
            run: `edit ${TEAM}`,
        },
        {
            trigger: `.o_kanban_quick_create .o_field_widget[name=team_id] .o-autocomplete--dropdown-item > a:contains(${TEAM})`,
            run: "click",
        },
        {
            content: "Add the ticket",
            trigger: ".o_kanban_quick_create .o_kanban_add",
            run: "click",
        },
        {
            content: "The ticket is in the New column; open it",
            trigger: `.o_kanban_group:has(.o_column_title:contains(New)) .o_kanban_record:contains(${SUBJECT})`,
            run: "click",
        },
        {
            content: "The form shows the ticket number",
            trigger: ".o_form_view .o_field_widget[name=number]:contains(SD)",
        },
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(New)",
        },
        {
            content: "Start working on it",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button:contains(In Progress)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(In Progress)",
        },
        {
            content: "Resolve it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_resolve]",
            run: "click",
        },
        {
            content: "The ticket is resolved, and can be reopened",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Resolved)",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_reopen]",
        },
        {
            content: "Back to the kanban",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            trigger: `.o_kanban_group:has(.o_column_title:contains(Resolved)) .o_kanban_record:contains(${SUBJECT})`,
        },
    ],
});
