import { registry } from "@web/core/registry";

/**
 * Portal customer tours. The Python tests (tests/test_portal_tour.py) prepare
 * the data (a delivered serial, a resolved ticket) and check the database.
 */
const SUBJECT = "Tour: scanner beeps all night";

function attachFile(selector, name, content) {
    const input = document.querySelector(selector);
    const transfer = new DataTransfer();
    transfer.items.add(new File([content], name, { type: "text/plain" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("service_desk_portal_submit_tour", {
    steps: () => [
        {
            content: "My service requests",
            trigger: "a.o_service_new_ticket",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Subject, with room for article suggestions",
            trigger: "form.o_service_ticket_form input[name=name][data-service-suggest]",
            run: `edit ${SUBJECT}`,
        },
        {
            content: "Kind of request",
            trigger: "select[name=ticket_type]",
            run: "selectByLabel Incident",
        },
        {
            content: "The product delivered to me",
            trigger: "select[name=product_id]",
            run: "selectByLabel SD Portal Printer",
        },
        {
            content: "Its serial number",
            trigger: "select[name=lot_id]",
            run: "selectByLabel SDP-A-0001",
        },
        {
            content: "Describe",
            trigger: "textarea[name=description]",
            run: "edit It beeps every ten minutes, even at night.",
        },
        {
            content: "Attach a file",
            trigger: "input[name=attachments]",
            run() {
                attachFile("input[name=attachments]", "beep-log.txt", "beep beep");
            },
        },
        {
            content: "Submit",
            trigger: "button.o_service_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request is registered",
            trigger: `.o_service_message:contains(your request is registered)`,
        },
        {
            trigger: `.o_service_ticket_title:contains(${SUBJECT})`,
        },
        {
            content: "The serial is on the request",
            trigger: ".o_service_lot:contains(SDP-A-0001)",
        },
        {
            content: "The file is on the request",
            trigger: ".o_service_attachments a:contains(beep-log.txt)",
        },
        {
            content: "Write to the agent",
            trigger: "textarea[name=message]",
            run: "edit It also blinks red.",
        },
        {
            trigger: "button.o_service_reply_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The message is sent",
            trigger: ".o_service_message:contains(Your message was sent)",
        },
        {
            content: "and shown in the conversation",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains(It also blinks red)",
        },
    ],
});

registry.category("web_tour.tours").add("service_desk_portal_reopen_tour", {
    steps: () => [
        {
            content: "The request is resolved: it is not",
            trigger: "button.o_service_not_resolved",
            run: "click",
        },
        {
            content: "Say why",
            trigger: "#o_service_reopen_form.show textarea[name=reason]",
            run: "edit It still beeps at 3 am.",
        },
        {
            trigger: "button.o_service_reopen_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request is reopened",
            trigger: ".o_service_message:contains(We reopened your request)",
        },
        {
            trigger: "body:not(:has(.o_service_resolution))",
        },
    ],
});

registry.category("web_tour.tours").add("service_desk_portal_confirm_rate_tour", {
    steps: () => [
        {
            content: "Confirm the resolution",
            trigger: "button.o_service_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request is closed",
            trigger: ".o_service_message:contains(the request is closed)",
        },
        {
            content: "Rate the service: satisfied",
            // a link to the rating the resolution email asked for, else the rate form's button
            trigger: ".o_service_rating .o_service_rate_5",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Add a comment",
            trigger: "textarea[name=feedback]",
            run: "edit Quick and friendly, thanks!",
        },
        {
            trigger: "button[type=submit]:contains(Send Feedback)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Thanks for the feedback",
            trigger: "body:contains(Thank you)",
        },
        {
            content: "Back to the request",
            trigger: "a.o_service_rating_back",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request shows the rating",
            trigger: ".o_service_rating:contains(Thank you for rating our service)",
        },
    ],
});

/**
 * /my: each service card shows how many documents the customer has, filled
 * by Odoo's counters interaction (the test gives customer A two requests,
 * three warranties and one contract).
 */
function serviceCard(url, count) {
    return {
        content: `The card of ${url} shows ${count}`,
        trigger: `.o_portal_index_card:not(.d-none) a[href='${url}'] .o_service_card_count:visible:contains(${count})`,
    };
}

registry.category("web_tour.tours").add("service_desk_portal_home_tour", {
    steps: () => [
        serviceCard("/my/service/tickets", 2),
        serviceCard("/my/service/warranties", 3),
        serviceCard("/my/service/contracts", 1),
        {
            content: "Open the requests",
            trigger: ".o_portal_index_card a[href='/my/service/tickets']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "a.o_service_new_ticket",
        },
    ],
});

/**
 * /my/account: the customer picks Simplified Chinese among the installed
 * languages and the portal is in it at once (the test activates it and
 * checks the contact's language).
 */
registry.category("web_tour.tours").add("service_desk_portal_language_tour", {
    steps: () => [
        {
            content: "Choose the language",
            trigger: "form[name=address_form] select[name=lang]",
            run: "select zh_CN",
        },
        {
            content: "Save the details",
            trigger: "form[name=address_form] #save_address",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The portal is in Chinese",
            trigger: "body:has(.o_portal_my_home) .js_language_selector button:contains(简体中文)",
        },
    ],
});
