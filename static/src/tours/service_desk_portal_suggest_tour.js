import { registry } from "@web/core/registry";

/**
 * A customer starts writing a request: the help center's articles matching
 * the subject are suggested under it. The Python test
 * (tests/test_portal_warranty.py) publishes the article and checks that the
 * suggestion was recorded.
 */
registry.category("web_tour.tours").add("service_desk_portal_suggest_tour", {
    steps: () => [
        {
            content: "Type the subject of the request",
            trigger: "form.o_service_ticket_form input[data-service-suggest='1']",
            run: "edit quibblor reset",
        },
        {
            content: "An article that may answer it is suggested",
            trigger: ".o_service_article_suggestions a.o_service_article_suggestion:contains(Quibblor reset procedure)",
        },
        {
            content: "The internal article is not",
            trigger: ".o_service_article_suggestions:not(:has(a:contains(Quibblor internal notes)))",
        },
        {
            content: "The suggestions shown are logged",
            trigger: ".o_service_article_suggestions[data-suggestions-logged]",
        },
    ],
});
