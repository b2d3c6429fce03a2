import { registry } from "@web/core/registry";

/**
 * A customer looks for help before writing: types in the help center's
 * search box, opens the suggested article and says it helped.
 * The Python test creates the articles and checks the vote afterwards.
 */
registry.category("web_tour.tours").add("service_desk_help_tour", {
    steps: () => [
        {
            content: "Type the question in the help center's search box",
            trigger: ".o_service_help_search input[name=search]",
            run: "edit zorblax calib",
        },
        {
            content: "The suggestions are logged",
            trigger: ".o_service_article_suggestions[data-suggestions-logged]",
        },
        {
            content: "Open the suggested article",
            trigger: ".o_service_article_suggestions a.o_service_article_suggestion:contains(Zorblax calibration guide)",
            run: function () {
                // suggestions open in a new tab for the ticket form; here stay in this one
                window.location.href = this.anchor.getAttribute("href");
            },
            expectUnloadPage: true,
        },
        {
            content: "The article is shown",
            trigger: "h1.o_service_help_article_title:contains(Zorblax calibration guide)",
        },
        {
            content: "Its visit is counted",
            trigger: ".o_service_help_article[data-view-counted]",
        },
        {
            content: "It helped",
            trigger: ".o_service_help_vote_yes",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Thanked",
            trigger: ".o_service_help_vote_thanks",
        },
    ],
});
