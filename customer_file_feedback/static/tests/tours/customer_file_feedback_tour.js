import { registry } from "@web/core/registry";

const RESOLUTION = "Tour: the screen was replaced under warranty";
const NPS_COMMENT = "Tour: quick and friendly service";

function clickAndWaitForStage(button, stage) {
    return [
        {
            content: `Click ${button}`,
            trigger: `.o_form_view .o_statusbar_buttons button[name='${button}']`,
            run: "click",
        },
        {
            content: `The complaint is ${stage}`,
            trigger: `.o_form_view .o_statusbar_status .o_arrow_button_current[data-value='${stage}']`,
        },
    ];
}

registry.category("web_tour.tours").add("customer_file_feedback_complaint_tour", {
    steps: () => [
        {
            content: "Open the complaint from the board",
            trigger: ".o_kanban_record:contains('Tour: cracked screen')",
            run: "click",
        },
        ...clickAndWaitForStage("action_acknowledge", "acknowledged"),
        ...clickAndWaitForStage("action_start", "in_progress"),
        {
            content: "Open the resolution page",
            trigger: ".o_form_view .o_notebook a[name='resolution']",
            run: "click",
        },
        {
            content: "Write the resolution the customer is told",
            trigger: ".o_form_view .o_field_widget[name='resolution'] .odoo-editor-editable",
            run: `editor ${RESOLUTION}`,
        },
        ...clickAndWaitForStage("action_resolve", "resolved"),
        ...clickAndWaitForStage("action_close", "closed"),
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
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

registry.category("web_tour.tours").add("customer_file_feedback_nps_survey_tour", {
    steps: () => [
        {
            content: "The score clicked in the mail is preselected",
            trigger: ".o_customer_feedback_survey button.o_customer_feedback_score.btn-primary[value='9']",
        },
        {
            content: "Add a comment",
            trigger: ".o_customer_feedback_survey textarea[name='comment']",
            run: `edit ${NPS_COMMENT}`,
        },
        {
            content: "Send the preselected score",
            trigger: ".o_customer_feedback_survey button[name='score'][value='9']:not(.o_customer_feedback_score)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The answer is recorded",
            trigger: "body:not(:has(.o_customer_feedback_survey)) h1:contains('Thank you for your answer')",
        },
    ],
});
