import { registry } from "@web/core/registry";

/**
 * An agent who is neither a stock nor an accounting user handles a faulty
 * unit from its ticket: returns it for an exchange, credits part of the
 * invoice and opens a repair, each through Odoo's own wizard or document,
 * then finds all three on the ticket. The Python test builds the delivered
 * and invoiced order and checks the documents afterwards.
 */
function header(name) {
    return `.o_form_statusbar button[name=${name}]`;
}

registry.category("web_tour.tours").add("service_desk_remedy_tour", {
    steps: () => [
        {
            content: "The ticket about the faulty scanner",
            trigger: ".o_form_view .o_breadcrumb:contains(Tour: scanner dead)",
        },
        {
            content: "Return it for an exchange",
            trigger: header("action_service_return"),
            run: "click",
        },
        {
            content: "Odoo's return wizard proposes the ticket's serial, one unit",
            trigger: ".modal .o_field_widget[name=product_return_moves] .o_data_row td[name=quantity]:contains(1.00)",
        },
        {
            trigger: ".modal button[name=action_create_exchanges]",
            run: "click",
        },
        {
            content: "The return and the replacement are on the ticket",
            trigger: ".o_form_view button[name=action_open_service_pickings] .o_stat_value:contains(2)",
        },
        {
            content: "Credit part of the invoice",
            trigger: header("action_service_credit_note"),
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=reason] input",
            run: "edit Faulty unit",
        },
        {
            content: "One of the two scanners invoiced",
            trigger: ".modal .o_field_widget[name=service_quantity] input",
            run: "edit 1",
        },
        {
            trigger: ".modal button[name=refund_moves]",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_open_service_credit_notes] .o_stat_value:contains(1)",
        },
        {
            content: "And repair the unit",
            trigger: header("action_service_repair"),
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_open_service_repairs] .o_stat_value:contains(1)",
        },
        {
            content: "The remedies tab lists them all",
            trigger: ".o_notebook .nav-link:contains(Remedies)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=repair_ids] .o_data_row td[name=under_warranty] input:checked",
        },
        {
            trigger: ".o_field_widget[name=credit_note_ids] .o_data_row td[name=state]:contains(Posted)",
        },
        {
            trigger: ".o_field_widget[name=picking_ids] .o_data_row:contains(Replacement)",
        },
    ],
});
