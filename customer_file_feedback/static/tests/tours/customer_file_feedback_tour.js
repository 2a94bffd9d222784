import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("customer_file_feedback_complaint_tour", {
    steps: () => [
        {
            content: "Open the complaint from the board",
            trigger: ".o_kanban_record:contains('Tour: cracked screen')",
            run: "click",
        },
        {
            content: "Acknowledge it",
            trigger: ".o_statusbar_buttons button[name='action_acknowledge']",
            run: "click",
        },
        {
            content: "The stage moved",
            trigger: ".o_statusbar_status .o_arrow_button_current[data-value='acknowledged']",
        },
    ],
});

registry.category("web_tour.tours").add("customer_file_feedback_analysis_tour", {
    steps: () => [
        {
            content: "The satisfaction pivot shows the NPS measure",
            trigger: ".o_pivot .o_pivot_measure_row",
        },
    ],
});
