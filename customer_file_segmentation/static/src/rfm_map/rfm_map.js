import { Component, onWillStart } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { formatPercentage } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/** The R × FM map of the current company: one cell per recency and FM score, with its
 * customers, their share and spend, coloured by its segment; a cell opens its customers. */
export class CustomerRfmMap extends Component {
    static template = "customer_file_segmentation.RfmMap";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.fmScores = [1, 2, 3, 4, 5];
        onWillStart(async () => {
            this.map = await this.orm.call("customer.rfm.score", "get_rfm_map", []);
        });
    }

    get summary() {
        return _t(
            "%(count)s customers scored, %(spend)s spent over the scoring window. Click a cell for its customers.",
            { count: this.map.customer_count, spend: this.formatSpend(this.map.spend) }
        );
    }

    formatShare(share) {
        return formatPercentage(share, { digits: [false, 1] });
    }

    formatSpend(amount) {
        return formatCurrency(amount, this.map.currency_id, { humanReadable: true });
    }

    cellClass(cell) {
        return cell.segment_id
            ? `o_customer_rfm_map_color_${cell.color || 0}`
            : "o_customer_rfm_map_unmapped";
    }

    cellTitle(cell) {
        return _t("R %(r)s, FM %(fm)s: %(segment)s", {
            r: cell.r,
            fm: cell.fm,
            segment: cell.segment || _t("no segment"),
        });
    }

    openCell(cell) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name: this.cellTitle(cell),
            res_model: "res.partner",
            views: [
                [this.map.customer_list_view_id, "list"],
                [false, "form"],
            ],
            domain: [
                [
                    "rfm_score_ids",
                    "any",
                    [
                        ["company_id", "=", this.map.company_id],
                        ["r_score", "=", cell.r],
                        ["fm_score", "=", cell.fm],
                    ],
                ],
            ],
        });
    }
}

registry.category("actions").add("customer_file_segmentation.rfm_map", CustomerRfmMap);
