import datetime
from collections import defaultdict

from odoo import api, models

from odoo.addons.customer_file.tools import xlsx
from odoo.addons.customer_file.tools.access import check_group

CUSTOMER_FILE_USER = "customer_file.group_customer_file_user"
FEEDBACK_COLUMNS = (
    "feedback_date", "feedback_id", "partner_id", "feedback_type", "channel",
    "product_categ_id", "value_tier", "satisfaction", "state", "user_id", "team_id",
)
# Written after the feedback columns, NULL (an empty cell) where they do not apply.
MEASURE_COLUMNS = ("csat", "hours_to_acknowledge", "hours_to_resolve")
# Read to count promoters, detractors and complaints.
TALLY_FIELDS = ("nps", "nps_respondent", "promoter", "detractor", "complaint")


class _Tally:
    """The measures of a group of feedback: NPS, CSAT, complaints, time to resolve."""

    def __init__(self):
        self.feedback = self.nps_responses = self.promoters = self.detractors = 0
        self.csat_responses = self.complaints = self.resolved = 0
        self.csat_sum = self.hours_to_resolve_sum = 0.0

    def add(self, tally, csat, hours_to_resolve):
        """Count one feedback: ``tally`` holds its values of ``TALLY_FIELDS``."""
        _nps, nps_respondent, promoter, detractor, complaint = tally
        self.feedback += 1
        self.nps_responses += nps_respondent
        self.promoters += promoter
        self.detractors += detractor
        self.complaints += complaint
        if csat is not None:
            self.csat_responses += 1
            self.csat_sum += csat
        if hours_to_resolve is not None:
            self.resolved += 1
            self.hours_to_resolve_sum += hours_to_resolve

    def row(self):
        nps = (100.0 * (self.promoters - self.detractors) / self.nps_responses
               if self.nps_responses else None)
        return [
            self.feedback, self.nps_responses, self.promoters,
            self.nps_responses - self.promoters - self.detractors, self.detractors, nps,
            self.csat_responses, self.csat_sum / self.csat_responses
            if self.csat_responses else None,
            self.complaints,
            self.hours_to_resolve_sum / self.resolved if self.resolved else None,
        ]


class CustomerXlsxExport(models.TransientModel):
    _inherit = "customer.xlsx.export"

    @api.model
    def _export_nps_report(self, reports):
        """The selected feedback (or all of the list's filter) as the feedback and NPS
        report: the server action "Export NPS Report (XLSX)" of the satisfaction list."""
        check_group(self.env, CUSTOMER_FILE_USER)
        content = self._nps_report_xlsx(self._scope(reports.with_env(self.env)))
        return self._download(self.env._("Feedback and NPS"), content)

    @api.model
    def _nps_report_xlsx(self, reports):
        """The .xlsx bytes of the feedback and NPS report of these rows of the satisfaction
        analysis, read with the user's rights: NPS, CSAT and complaints by month (in the
        user's time zone) and by channel, then the feedback."""
        check_group(self.env, CUSTOMER_FILE_USER)
        self.env.flush_all()
        env = self.env
        reports = reports.with_env(env)
        measures = [
            xlsx.Column(env._("Feedback"), xlsx.INTEGER),
            xlsx.Column(env._("NPS Responses"), xlsx.INTEGER),
            xlsx.Column(env._("Promoters"), xlsx.INTEGER),
            xlsx.Column(env._("Passives"), xlsx.INTEGER),
            xlsx.Column(env._("Detractors"), xlsx.INTEGER),
            xlsx.Column(env._("NPS"), xlsx.DECIMAL),
            xlsx.Column(env._("CSAT Responses"), xlsx.INTEGER),
            xlsx.Column(env._("CSAT"), xlsx.DECIMAL),
            xlsx.Column(env._("Complaints"), xlsx.INTEGER),
            xlsx.Column(env._("Average Hours to Resolve"), xlsx.DECIMAL),
        ]
        book = xlsx.XlsxWorkbook()
        month_sheet = book.add_sheet(env._("By Month"),
                                     [xlsx.Column(env._("Month"), xlsx.MONTH), *measures])
        channel_sheet = book.add_sheet(env._("By Channel"),
                                       [xlsx.field_column(reports, "channel"), *measures])
        feedback_sheet = book.add_sheet(env._("Feedback"), [
            *(xlsx.field_column(reports, fname) for fname in FEEDBACK_COLUMNS),
            xlsx.Column(env._("NPS Group")),
            *(xlsx.field_column(reports, fname) for fname in MEASURE_COLUMNS),
        ], freeze_columns=2)
        nps_groups = {100.0: env._("Promoter"), 0.0: env._("Passive"),
                      -100.0: env._("Detractor")}
        received_at = FEEDBACK_COLUMNS.index("feedback_date")
        channel_at = FEEDBACK_COLUMNS.index("channel")
        shown = len(FEEDBACK_COLUMNS)
        reader = xlsx.RowReader(reports, [*FEEDBACK_COLUMNS, *MEASURE_COLUMNS, *TALLY_FIELDS])
        # Tallies by month and by channel label (None: no channel).
        months, channels = defaultdict(_Tally), defaultdict(_Tally)
        for chunk in reader.chunks(reports):
            for row in reader.rows(chunk):
                csat, hours_to_acknowledge, hours_to_resolve = row[shown:shown + 3]
                tally = row[shown + 3:]
                nps, nps_respondent = tally[0], tally[1]
                feedback_sheet.write_row([
                    *row[:shown], nps_groups[nps] if nps_respondent else None,
                    csat, hours_to_acknowledge, hours_to_resolve,
                ])
                received = row[received_at]
                months[datetime.date(received.year, received.month, 1)].add(
                    tally, csat, hours_to_resolve)
                channels[row[channel_at]].add(tally, csat, hours_to_resolve)
        for month in sorted(months):
            month_sheet.write_row([month, *months[month].row()])
        labels = [label for _channel, label
                  in reports._fields["channel"]._description_selection(env)]
        for label in [*labels, None]:
            if label in channels:
                channel_sheet.write_row([label, *channels[label].row()])
        return book.close()
