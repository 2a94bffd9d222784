import { registry } from "@web/core/registry";

// Typed by the salesperson; the test looks for the interaction with this summary.
const INTERACTION_SUMMARY = "Tour: asked about the extended warranty";

registry.category("web_tour.tours").add("customer_file_salesperson_tour", {
    steps: () => [
        {
            content: "The salesperson's customers of every tier are on the kanban",
            trigger: ".o_kanban_view .o_kanban_record:contains('Tour Low Spender')",
        },
        {
            content: "Filter the high value tier in the side panel",
            trigger: ".o_search_panel_label[data-tooltip='High value']",
            run: "click",
        },
        {
            content: "Only the high value customer is left: open it",
            trigger: ".o_kanban_view:not(:has(.o_kanban_record:contains('Tour Low Spender'))) .o_kanban_record:contains('Tour High Spender')",
            run: "click",
        },
        {
            content: "Open the customer's interactions",
            trigger: ".o_form_view .o_notebook a[name='customer_file_interactions']",
            run: "click",
        },
        {
            content: "Log an interaction",
            trigger: ".o_field_widget[name='interaction_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Type what the customer asked",
            trigger: ".modal .o_field_widget[name='summary'] input",
            run: `edit ${INTERACTION_SUMMARY}`,
        },
        {
            content: "It was a visit",
            trigger: ".modal .o_field_widget[name='interaction_type'] .o_select_menu_toggler",
            run: "click",
        },
        {
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Visit')",
            run: "click",
        },
        {
            content: "Keep the interaction",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The interaction is in the list",
            trigger: `body:not(:has(.modal)) .o_field_widget[name='interaction_ids'] .o_data_row:contains('${INTERACTION_SUMMARY}')`,
        },
        {
            content: "Save the customer",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});

registry.category("web_tour.tours").add("customer_file_recompute_rfm_tour", {
    steps: () => [
        {
            content: "The new customer has no segment yet",
            trigger: ".o_form_view .o_form_saved div[name='customer_file_glance_value']:not(:has(.o_field_widget[name='rfm_segment_id'] .badge))",
        },
        {
            content: "Open the actions menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Recompute the customer's RFM scores",
            trigger: ".dropdown-menu .o_menu_item:contains('Recompute RFM')",
            run: "click",
        },
        {
            content: "The segment is on the customer at a glance",
            trigger: ".o_form_view div[name='customer_file_glance_value'] .o_field_widget[name='rfm_segment_id'] .badge:contains('Champions')",
        },
        {
            content: "and on the Value & Churn page",
            trigger: ".o_form_view .o_notebook a[name='customer_file_value']",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_notebook .o_field_widget[name='rfm_score_ids'] .o_data_row",
        },
    ],
});
