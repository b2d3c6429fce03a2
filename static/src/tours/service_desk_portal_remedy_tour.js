import { registry } from "@web/core/registry";

/**
 * The customer asks to return a delivered serial from its warranty page,
 * with a photo, then follows the return on the request's page. The Python
 * test (tests/test_remedy_portal_tour.py) prepares the delivery, receives the
 * return between the two tours and checks the database.
 */

// a 1×1 transparent PNG
const PNG_BASE64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

function attachPhoto(selector, name) {
    const bytes = Uint8Array.from(atob(PNG_BASE64), (c) => c.charCodeAt(0));
    const input = document.querySelector(selector);
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type: "image/png" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("service_desk_portal_remedy_request_tour", {
    steps: () => [
        {
            content: "From the warranty of the scanner, ask for a return",
            trigger: "a.o_service_warranty_remedy",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The serial of the warranty is ticked",
            trigger: ".o_service_remedy_row:has(.o_service_remedy_lot:contains(SDRP-T1)) input[name=line]:checked",
        },
        {
            content: "A return",
            trigger: "input[name=remedy][value=return]",
            run: "click",
        },
        {
            content: "Say what is wrong",
            trigger: "textarea[name=reason]",
            run: "edit The screen is cracked.",
        },
        {
            content: "Join a photo",
            trigger: "input[name=photos]",
            run() {
                attachPhoto("input[name=photos]", "cracked.png");
            },
        },
        {
            content: "Send",
            trigger: "button.o_service_remedy_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The request is registered",
            trigger: ".o_service_message:contains(your request is registered)",
        },
        {
            content: "It asks for a return of the serial",
            trigger: ".o_service_remedy_asked:contains(Return):contains(SDRP-T1)",
        },
        {
            content: "The photo is on the request",
            trigger: ".o_service_attachments a:contains(cracked.png)",
        },
    ],
});

registry.category("web_tour.tours").add("service_desk_portal_remedy_received_tour", {
    steps: () => [
        {
            content: "The return is received",
            trigger: ".o_service_remedies .o_service_remedy_return:contains(Received)",
        },
        {
            trigger: "body:not(:has(.o_service_remedy_return:contains(Waiting for your parcel)))",
        },
    ],
});
