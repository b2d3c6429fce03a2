import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

/**
 * An article page of the help center reports that it was shown: the article's
 * view counter and the session's visit (the deflection report) are written by
 * /help/article/<id>/opened, while the page itself only reads (a replica may
 * serve it). Markup: <div class="o_service_help_article" data-article-id="42">;
 * it carries data-view-counted once the visit is written.
 */
export class HelpArticleOpened extends Interaction {
    static selector = ".o_service_help_article[data-article-id]";

    start() {
        this.reportOpened();
    }

    async reportOpened() {
        const articleId = parseInt(this.el.dataset.articleId);
        if (!articleId) {
            return;
        }
        try {
            await this.waitFor(rpc(`/help/article/${articleId}/opened`, {}, { silent: true }));
            this.el.dataset.viewCounted = "1";
        } catch {
            // the article was read all the same: only its counter misses the visit
        }
    }
}

registry.category("public.interactions").add("service_desk.help_article_opened", HelpArticleOpened);
