import { Component, onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { formatFloat, formatInteger, formatPercentage } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/** The Customer File app's landing page: its numbers in sections, all read in one call
 * (customer.file.overview's get_overview); each number opens the list of what it counts. */
export class CustomerFileOverview extends Component {
    static template = "customer_file.Overview";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        onWillStart(async () => {
            this.overview = await this.orm.call("customer.file.overview", "get_overview", []);
        });
    }

    formatValue(item) {
        if (item.value === false || item.value === null) {
            return "–";
        }
        if (item.format === "percent") {
            return formatPercentage(item.value, { digits: [false, 1] });
        }
        if (item.format === "decimal") {
            return formatFloat(item.value, { digits: [false, 1] });
        }
        return formatInteger(item.value);
    }

    itemClass(item) {
        return item.color ? `o_customer_file_overview_color_${item.color}` : "";
    }

    open(item) {
        if (item.action) {
            this.action.doAction(item.action);
        }
    }

    openLink(link) {
        this.action.doAction(link.action);
    }
}

registry.category("actions").add("customer_file.overview", CustomerFileOverview);
