import { registry } from "@web/core/registry";

const RECOMMENDED = "Reco Tour Case";
const RECOMMENDATIONS = ".o_field_widget[name='customer_recommendation_ids']";
const ORDER_LINES = ".o_field_widget[name='order_line']";

registry.category("web_tour.tours").add("customer_file_recommendation_quotation_tour", {
    steps: () => [
        {
            content: "Open the recommended products of the quotation",
            trigger: ".o_form_view .o_notebook a[name='customer_recommendations']",
            run: "click",
        },
        {
            content: "The product bought together with the customer's phone is first",
            trigger: `${RECOMMENDATIONS} .o_data_row:first-child:contains('${RECOMMENDED}'):contains('Often bought with')`,
        },
        {
            content: "Add it to the quotation",
            trigger: `${RECOMMENDATIONS} .o_data_row:contains('${RECOMMENDED}') button[name='action_add_to_order']`,
            run: "click",
        },
        {
            content: "Once on the quotation it is no longer offered",
            trigger: `${RECOMMENDATIONS}:not(:has(.o_data_row:contains('${RECOMMENDED}')))`,
        },
        {
            content: "Back to the order lines",
            trigger: ".o_form_view .o_notebook a[name='order_lines']",
            run: "click",
        },
        {
            content: "The quotation has a line of the recommended product",
            trigger: `${ORDER_LINES} .o_data_row:contains('${RECOMMENDED}')`,
        },
    ],
});
