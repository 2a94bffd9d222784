import { registry } from "@web/core/registry";

/** Opens the number of the Overview item ``key`` and checks that its list has as many
 * rows as the number said. */
function numberLeadsToItsList(key) {
    let shown;
    return [
        {
            content: `The Overview shows the number of ${key}`,
            trigger: `.o_customer_file_overview_item[data-key='${key}']`,
            run(helpers) {
                shown = this.anchor
                    .querySelector(".o_customer_file_overview_value")
                    .textContent.trim();
                return helpers.click();
            },
        },
        {
            content: "Its list opens with as many records",
            trigger: ".o_list_view .o_data_row",
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row").length;
                if (String(rows) !== shown) {
                    throw new Error(`the Overview showed ${shown}, its list has ${rows} rows`);
                }
            },
        },
    ];
}

registry.category("web_tour.tours").add("customer_file_overview_tour", {
    steps: () => [
        ...numberLeadsToItsList("customers"),
        {
            content: "Back to the Overview",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        ...numberLeadsToItsList("incomplete"),
    ],
});
