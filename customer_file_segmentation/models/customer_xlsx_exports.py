from collections import defaultdict

from odoo import api, models

from odoo.addons.customer_file.tools import xlsx
from odoo.addons.customer_file.tools.access import check_group

from .customer_churn_warning import OPEN_STATES

CUSTOMER_FILE_USER = "customer_file.group_customer_file_user"
SCORE_COLUMNS = (
    ("partner_id", None), ("rfm_code", None), ("r_score", None), ("f_score", None),
    ("m_score", None), ("segment_id", None), ("value_tier", None), ("lifecycle_stage", None),
    ("last_purchase_date", None), ("recency_days", None), ("frequency", None),
    ("monetary", None), ("probability_alive", xlsx.PERCENT), ("clv_12m", xlsx.MONEY),
    ("churn_score", None),
)
WARNING_COLUMNS = (
    "partner_id", "user_id", "date_detected", "score", "severity", "state", "cohort",
    "signal_summary", "value_tier", "rfm_segment_id", "lifecycle_stage", "won_back_date",
    "date_closed", "action_count",
)


def _several_companies(env):
    """Whether the user works in several companies at once: the reports then group by
    company, whose amounts are in different currencies."""
    return len(env.companies) > 1


def _money_label(env, label):
    return label if _several_companies(env) else f"{label} ({env.company.currency_id.name})"


class CustomerXlsxExport(models.TransientModel):
    _inherit = "customer.xlsx.export"

    @api.model
    def _customer_columns(self):
        columns = super()._customer_columns()
        at = columns.index("value_tier") + 1
        return [*columns[:at], "rfm_segment_id", "lifecycle_stage", *columns[at:]]

    # The RFM segment report

    @api.model
    def _export_segment_report(self, scores):
        """The selected scores (or all those of the list's filter) as the RFM segment
        report: the server action "Export Segment Report (XLSX)" of the scores."""
        check_group(self.env, CUSTOMER_FILE_USER)
        content = self._segment_report_xlsx(self._scope(scores.with_env(self.env)))
        return self._download(self.env._("RFM Segments"), content)

    @api.model
    def _segment_report_xlsx(self, scores):
        """The .xlsx bytes of the segment report of these scores, read with the user's rights
        (record rules decide which customers count): the segments with their customers,
        share and spend, the 25 cells of the R × FM grid, then the customers."""
        check_group(self.env, CUSTOMER_FILE_USER)
        self.env.flush_all()
        env = self.env
        scores = scores.with_env(env)
        by_company = _several_companies(env)
        company_column = [xlsx.field_column(scores, "company_id")] if by_company else []
        columns = [(fname, xlsx.field_column(scores, fname, kind=kind))
                   for fname, kind in SCORE_COLUMNS]
        columns = [(fname, column._replace(label=_money_label(env, column.label))
                    if column.kind == xlsx.MONEY else column) for fname, column in columns]
        if by_company:
            columns.insert(1, ("company_id", xlsx.field_column(scores, "company_id")))
        fnames = [fname for fname, _column in columns]
        reader = xlsx.RowReader(scores, fnames)

        book = xlsx.XlsxWorkbook()
        segment_sheet = book.add_sheet(env._("Segments"), [
            *company_column,
            xlsx.Column(env._("Segment"), width=28),
            xlsx.Column(env._("Customers"), xlsx.INTEGER),
            xlsx.Column(env._("Share"), xlsx.PERCENT),
            xlsx.Column(_money_label(env, env._("Spend")), xlsx.MONEY),
            xlsx.Column(_money_label(env, env._("Average Spend")), xlsx.MONEY),
            xlsx.Column(env._("Average R"), xlsx.DECIMAL),
            xlsx.Column(env._("Average F"), xlsx.DECIMAL),
            xlsx.Column(env._("Average M"), xlsx.DECIMAL),
            xlsx.Column(_money_label(env, env._("CLV (12 months)")), xlsx.MONEY),
            xlsx.Column(env._("Average Churn Score"), xlsx.DECIMAL),
        ], freeze_columns=len(company_column) + 1)
        grid_sheet = book.add_sheet(env._("R × FM Grid"), [
            *company_column,
            xlsx.Column(env._("R (recency)"), xlsx.INTEGER),
            xlsx.Column(env._("FM (frequency and monetary)"), xlsx.INTEGER),
            xlsx.Column(env._("Segment"), width=28),
            xlsx.Column(env._("Customers"), xlsx.INTEGER),
            xlsx.Column(env._("Share"), xlsx.PERCENT),
            xlsx.Column(_money_label(env, env._("Spend")), xlsx.MONEY),
        ], freeze_columns=len(company_column) + 2)
        customer_sheet = book.add_sheet(env._("Customers"), [column for _f, column in columns])

        # [customers, spend, R, F, M, CLV, churn score] by (company, segment), and
        # [customers, spend] by (company, R, FM): the report counts what the rows hold.
        segments = defaultdict(lambda: [0, 0.0, 0, 0, 0, 0.0, 0])
        cells = defaultdict(lambda: [0, 0.0])
        totals = defaultdict(int)
        for chunk in reader.chunks(scores):
            for score, row in zip(chunk, reader.rows(chunk), strict=True):
                customer_sheet.write_row(row)
                company = score.company_id if by_company else env.company
                measures = segments[company, score.segment_id]
                for index, value in enumerate((1, score.monetary, score.r_score, score.f_score,
                                               score.m_score, score.clv_12m,
                                               score.churn_score)):
                    measures[index] += value
                cell = cells[company, score.r_score, score.fm_score]
                cell[0] += 1
                cell[1] += score.monetary
                totals[company] += 1

        companies = sorted(totals, key=lambda company: company.name)
        for company in companies:
            prefix = [company.name] if by_company else []
            keys = sorted((key for key in segments if key[0] == company),
                          key=lambda key: (not key[1], key[1].sequence, key[1].id))
            for _company, segment in keys:
                count, spend, r, f, m, clv, churn = segments[company, segment]
                segment_sheet.write_row([
                    *prefix, segment.name or env._("No segment"), count, count / totals[company],
                    spend, spend / count, r / count, f / count, m / count, clv, churn / count,
                ])
        cell_segments = {
            (r, fm): segment_id
            for r, fm, segment_id in env["customer.rfm.segment"]._cell_map()
        }
        names = {segment.id: segment.name for segment in env["customer.rfm.segment"].search([])}
        for company in companies:
            prefix = [company.name] if by_company else []
            for r in range(5, 0, -1):
                for fm in range(5, 0, -1):
                    count, spend = cells.get((company, r, fm), (0, 0.0))
                    grid_sheet.write_row([
                        *prefix, r, fm, names.get(cell_segments.get((r, fm))), count,
                        count / totals[company], spend,
                    ])
        return book.close()

    # The churn warnings

    @api.model
    def _export_churn_warnings(self, warnings):
        """The selected churn warnings (or all those of the list's filter) as an XLSX file:
        the server action "Export Churn Warnings (XLSX)" of the warnings."""
        check_group(self.env, CUSTOMER_FILE_USER)
        content = self._churn_warnings_xlsx(self._scope(warnings.with_env(self.env)))
        return self._download(self.env._("Churn Warnings"), content)

    @api.model
    def _churn_warnings_xlsx(self, warnings):
        """The .xlsx bytes of these warnings, read with the user's rights: a summary by
        cohort (the won-back rate of treated customers against the control group), then
        the warnings with their reasons."""
        check_group(self.env, CUSTOMER_FILE_USER)
        self.env.flush_all()
        env = self.env
        warnings = warnings.with_env(env)
        fnames = list(WARNING_COLUMNS)
        if _several_companies(env):
            fnames.insert(1, "company_id")
        reader = xlsx.RowReader(warnings, fnames)
        cohorts = dict(warnings._fields["cohort"]._description_selection(env))
        book = xlsx.XlsxWorkbook()
        summary = book.add_sheet(env._("Summary by Cohort"), [
            xlsx.field_column(warnings, "cohort"),
            xlsx.Column(env._("Warnings"), xlsx.INTEGER),
            xlsx.Column(env._("Open"), xlsx.INTEGER),
            xlsx.Column(env._("Won Back"), xlsx.INTEGER),
            xlsx.Column(env._("Lost"), xlsx.INTEGER),
            xlsx.Column(env._("False Alarm"), xlsx.INTEGER),
            xlsx.Column(env._("Won-back Rate"), xlsx.PERCENT),
        ])
        sheet = book.add_sheet(env._("Churn Warnings"),
                               [xlsx.field_column(warnings, fname) for fname in fnames])
        counts = defaultdict(lambda: defaultdict(int))
        for chunk in reader.chunks(warnings):
            for warning, row in zip(chunk, reader.rows(chunk), strict=True):
                sheet.write_row(row)
                by_state = counts[warning.cohort]
                by_state["open" if warning.state in OPEN_STATES else warning.state] += 1
        for cohort, label in cohorts.items():
            if cohort not in counts:
                continue
            by_state = counts[cohort]
            total = sum(by_state.values())
            summary.write_row([
                label, total, by_state["open"], by_state["won_back"], by_state["lost"],
                by_state["false_alarm"], by_state["won_back"] / total,
            ])
        return book.close()
