import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";
import { debounce } from "@web/core/utils/timing";
import { _t } from "@web/core/l10n/translation";

// a Chinese word may be two characters: /help/suggest decides what is too short
const MIN_LENGTH = 2;
const DEBOUNCE_MS = 300;

/**
 * As a customer types the subject of a new ticket, lists the help center's
 * articles that may already answer it (at most five, from /help/suggest).
 * Markup: <input name="name" data-service-suggest="1"/> followed somewhere in
 * the same form by <div class="o_service_article_suggestions"/>.
 *
 * /help/suggest only reads (a replica may answer it): the suggestions shown
 * are logged for the deflection report by sending its receipt back to
 * /help/suggest/shown, which writes. The list then carries
 * data-suggestions-logged.
 */
export class ServiceArticleSuggestions extends Interaction {
    static selector = "input[data-service-suggest='1']";

    dynamicContent = {
        _root: { "t-on-input": this.onInput },
    };

    setup() {
        this.lastQuery = "";
        this.container = this.findContainer();
        this.fetchSuggestions = debounce(this.fetchSuggestions.bind(this), DEBOUNCE_MS);
    }

    findContainer() {
        const selector = ".o_service_article_suggestions";
        return this.el.closest("form")?.querySelector(selector) || document.querySelector(selector);
    }

    onInput() {
        this.fetchSuggestions();
    }

    async fetchSuggestions() {
        const query = this.el.value.trim();
        if (!this.container || query === this.lastQuery) {
            return;
        }
        this.lastQuery = query;
        if (query.length < MIN_LENGTH) {
            this.render([]);
            return;
        }
        // titles and summaries in the page's language (/th/..., /zh_CN/...)
        const lang = document.documentElement.getAttribute("lang") || undefined;
        const answer = await this.waitFor(rpc("/help/suggest", { query, lang }));
        if (query === this.lastQuery) {
            this.render(answer?.articles || []);
            await this.logShown(answer?.receipt);
        }
    }

    async logShown(receipt) {
        if (!receipt) {
            return;
        }
        try {
            await this.waitFor(rpc("/help/suggest/shown", { receipt }, { silent: true }));
            this.container.dataset.suggestionsLogged = "1";
        } catch {
            // the suggestions were shown all the same: only the report misses them
        }
    }

    render(articles) {
        this.container.replaceChildren();
        delete this.container.dataset.suggestionsLogged;
        if (!articles.length) {
            return;
        }
        const title = document.createElement("div");
        title.className = "small text-muted mb-1";
        title.textContent = _t("These articles may answer your question:");
        const list = document.createElement("div");
        list.className = "list-group mb-3";
        for (const article of articles.slice(0, 5)) {
            const link = document.createElement("a");
            link.className = "list-group-item list-group-item-action o_service_article_suggestion";
            link.href = article.url;
            link.target = "_blank";
            const name = document.createElement("div");
            name.className = "fw-bold";
            name.textContent = article.name;
            const summary = document.createElement("div");
            summary.className = "small text-muted";
            summary.textContent = article.summary || "";
            link.append(name, summary);
            list.append(link);
        }
        this.container.append(title, list);
    }
}

registry.category("public.interactions").add("service_desk.article_suggestions", ServiceArticleSuggestions);
