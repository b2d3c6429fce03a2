import { registry } from "@web/core/registry";

/**
 * The manager's day on one ticket, in the back office: the tickets list
 * counts down to the SLA deadlines, a ticket with a long subject and a
 * plain-text email reads without overflowing, a canned reply is applied,
 * a call is logged, the ticket is escalated and resolved from the stage bar.
 * The Python test builds the tickets and checks the database afterwards.
 */
const LONG_SUBJECT = "Tour: the printer";
const LATE = "Tour: late answer";
const SOON = "Tour: answer due soon";
const LATER = "Tour: answer due tomorrow";

/** Fails the step when `el`'s content is wider than its box. */
function assertNoOverflow(el, what) {
    if (el.scrollWidth > el.clientWidth + 1) {
        throw new Error(`${what} overflows: ${el.scrollWidth}px of content in ${el.clientWidth}px`);
    }
}

/** Fails the step when `el` is not on the same line as `other`. */
function assertSameLine(el, other, what) {
    const box = el.getBoundingClientRect();
    const otherBox = other.getBoundingClientRect();
    if (box.top >= otherBox.bottom || otherBox.top >= box.bottom) {
        throw new Error(`${what}: not on the same line (${box.top}px vs ${otherBox.top}px)`);
    }
}

function row(subject) {
    return `.o_list_renderer .o_data_row:has(td[name=name]:contains(${subject}))`;
}

registry.category("web_tour.tours").add("service_desk_manager_ticket_tour", {
    steps: () => [
        // The list: SLA deadlines as a countdown, still sorted by date
        {
            content: "Only the tour's tickets",
            trigger: ".o_searchview_input",
            run: "edit Tour:",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            trigger: ".o_list_renderer:not(:has(.o_data_row:not(:contains(Tour:))))",
        },
        {
            content: "A missed deadline reads as a delay",
            trigger: `${row(LATE)} td[name=sla_deadline] .o_service_sla_countdown[data-late='1']:contains(late)`,
        },
        {
            content: "A coming deadline reads as the time left",
            trigger: `${row(SOON)} td[name=sla_deadline] .o_service_sla_countdown[data-late='0']:contains(in )`,
        },
        {
            trigger: `${row(LATER)} td[name=sla_deadline] .o_service_sla_countdown:contains(in 1d)`,
        },
        {
            content: "Sort by SLA deadline",
            trigger: ".o_list_renderer th[data-name=sla_deadline]",
            run: "click",
        },
        {
            content: "Sorted by date, not by the text shown: late, in hours, tomorrow",
            trigger: `.o_list_renderer .o_data_row:nth-child(1):contains(${LATE})`,
        },
        {
            trigger: `.o_list_renderer .o_data_row:nth-child(2):contains(${SOON})`,
        },
        {
            trigger: `.o_list_renderer .o_data_row:nth-child(4):contains(${LATER})`,
        },
        {
            content: "Open the ticket with the long subject",
            trigger: `${row(LONG_SUBJECT)} td[name=name]`,
            run: "click",
        },
        // The form: stage bar, title, chatter
        {
            content: "The stage bar stands beside the action buttons, its stages in sight",
            trigger: ".o_form_view .o_form_statusbar:has(.o_arrow_button_current:contains(New))",
            run() {
                const firstButton = document.querySelector(".o_form_statusbar .o_statusbar_buttons button");
                for (const stage of ["New", "In Progress", "Resolved"]) {
                    const button = [
                        ...document.querySelectorAll(".o_statusbar_status .o_arrow_button"),
                    ].find((el) => el.textContent.trim() === stage);
                    if (!button?.offsetParent) {
                        throw new Error(`the stage ${stage} is hidden in a menu`);
                    }
                    assertSameLine(button, firstButton, `stage ${stage} and the action buttons`);
                }
            },
        },
        {
            content: "The long subject wraps in the title",
            trigger: ".o_form_view .oe_title .o_field_widget[name=name] :is(input, textarea)",
            run() {
                const field = this.anchor;
                assertNoOverflow(field, "the subject");
                const lineHeight = parseFloat(getComputedStyle(field).lineHeight);
                if (field.getBoundingClientRect().height < 1.5 * lineHeight) {
                    throw new Error("the long subject holds on one line: it is cut");
                }
            },
        },
        {
            content: "The plain-text email wraps in the chatter",
            trigger: ".o-mail-Message-body > .overflow-x-auto",
            run() {
                // the chatter shows emails in a shadow root, away from the page's styles
                const email = [
                    ...document.querySelectorAll(".o-mail-Message-body > .overflow-x-auto"),
                ].find((el) => el.shadowRoot?.textContent.includes("sheet after sheet"));
                if (!email) {
                    throw new Error("the customer's email is not in the chatter");
                }
                assertNoOverflow(email, "the email");
                assertNoOverflow(document.querySelector(".o-mail-Chatter"), "the chatter");
            },
        },
        // The serial list follows the product
        {
            content: "Choose the product",
            trigger: ".o_form_view .o_field_widget[name=product_id] input",
            run: "edit Tour Printer",
        },
        {
            trigger: ".o_field_widget[name=product_id] .o-autocomplete--dropdown-item > a:contains(Tour Printer)",
            run: "click",
        },
        {
            content: "The serial list offers this product's serials only",
            trigger: ".o_form_view .o_field_widget[name=lot_id] input",
            run: "edit TOUR-",
        },
        {
            trigger:
                ".o_field_widget[name=lot_id] .o-autocomplete--dropdown-menu:contains(TOUR-PRN-1):not(:contains(TOUR-SCN-1))",
        },
        {
            trigger: ".o_field_widget[name=lot_id] .o-autocomplete--dropdown-item > a:contains(TOUR-PRN-1)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        // The SLA tab
        {
            content: "The SLA tab",
            trigger: ".o_form_view .o_notebook .nav-link[name=sla]",
            run: "click",
        },
        {
            content: "Its deadlines count down and its columns fit",
            trigger:
                ".o_field_widget[name=sla_line_ids] td[name=deadline] .o_service_sla_countdown:contains(in )",
            run() {
                const list = document.querySelector(
                    ".o_field_widget[name=sla_line_ids] .o_list_renderer"
                );
                assertNoOverflow(list, "the SLA targets");
            },
        },
        // A canned reply
        {
            content: "Answer with a canned reply",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_apply_macro]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=macro_id] input",
            run: "edit Tour reply",
        },
        {
            trigger: ".modal .o_field_widget[name=macro_id] .o-autocomplete--dropdown-item > a:contains(Tour reply)",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The reply is in the conversation, the ticket in progress",
            trigger: ".o-mail-Message-body:contains(replacement drum is on its way)",
        },
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(In Progress)",
        },
        // A call
        {
            content: "Log the call that followed",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_log_contact]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=summary] input",
            run: "edit Confirmed the delivery address",
        },
        {
            trigger: ".modal .o_field_widget[name=duration_minutes] input",
            run: "edit 6",
        },
        {
            trigger: ".modal button[name=action_log]",
            run: "click",
        },
        {
            content: "The call is a note in the chatter",
            trigger: ".o-mail-Message:contains(Confirmed the delivery address):contains(6 min)",
        },
        // Escalate
        {
            content: "Escalate",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_escalate]",
            run: "click",
        },
        {
            content: "The escalation is noted",
            trigger: ".o-mail-Message-body:contains(Escalation level 1)",
        },
        {
            content: "No senior could take it: the ticket waits for someone to take it",
            trigger: ".o_form_view .o_form_saved .o_statusbar_buttons button[name=action_assign_to_me]",
        },
        // Resolve from the stage bar
        {
            content: "Resolve from the stage bar",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button:contains(Resolved)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Resolved)",
        },
        {
            content: "A finished ticket offers neither Re-route nor Escalate",
            trigger:
                ".o_form_view .o_statusbar_buttons:has(button[name=action_reopen]):not(:has(button[name=action_escalate])):not(:has(button[name=action_reroute]))",
        },
        {
            content: "Back to the list",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        {
            trigger: `${row(LONG_SUBJECT)} td[name=stage_id]:contains(Resolved)`,
        },
    ],
});
