import { registry } from "@web/core/registry";

/**
 * A Thai customer writes the subject of a request in Thai, on the Thai
 * portal: the article whose Thai title holds the words inside its sentence is
 * suggested, with its Thai title, under a Thai label. The Python test
 * (tests/test_knowledge_languages.py) translates the article.
 */
registry.category("web_tour.tours").add("service_desk_portal_suggest_thai_tour", {
    steps: () => [
        {
            content: "Type the subject in Thai: paper jam",
            trigger: "form.o_service_ticket_form input[data-service-suggest='1']",
            run: "edit กระดาษติด",
        },
        {
            content: "The article is suggested under its Thai title",
            trigger:
                ".o_service_article_suggestions a.o_service_article_suggestion:contains(เครื่องพิมพ์มีกระดาษติดบ่อย)",
        },
        {
            content: "The label is in Thai",
            trigger: ".o_service_article_suggestions:contains(บทความเหล่านี้อาจตอบคำถามของคุณได้)",
        },
    ],
});
