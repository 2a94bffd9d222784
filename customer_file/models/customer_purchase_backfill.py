import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.access import check_group

_logger = logging.getLogger(__name__)
MANAGER = "customer_file.group_customer_file_manager"


class CustomerPurchaseBackfill(models.Model):
    """One run of the backfill of the purchase history from the documents already in the
    database (installation, upgrade, "Rebuild purchase history", a change of how a company
    counts sales), and its progress.

    The run walks each source's line table by id ranges of ``batch_size`` ids: one
    ``INSERT ... SELECT ... ON CONFLICT (source, external_ref) DO NOTHING`` per range, so
    lines already in the history are left as they are (a second run adds nothing), then
    the daily summary gets the new lines by delta and new buyers their customer code. The
    job (``_cron_run``) commits after each range and records where it is, so it resumes
    where it stopped after an interruption, and no transaction lasts longer than one range.
    At the end the summary's rows are compacted and the favourite categories of the
    customers who got lines during the run recomputed.
    """

    _name = "customer.purchase.backfill"
    _description = "Purchase History Rebuild"
    _order = "id desc"

    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("superseded", "Superseded")],
        default="running", required=True, readonly=True,
    )
    source_names = fields.Char(
        readonly=True, help="The sources this run reads, comma-separated (empty: all)."
    )
    current_source = fields.Char(readonly=True)
    last_id = fields.Integer(
        string="Next Id", readonly=True,
        help="Rows of the current source's table from this id on are still to be read.",
    )
    first_id = fields.Integer(string="First Id of the Source", readonly=True)
    max_id = fields.Integer(string="Last Id of the Source", readonly=True)
    progress = fields.Float(
        compute="_compute_progress", help="Share of the current source read (percent)."
    )
    purge_company_ids = fields.Many2many(
        "res.company", string="Companies Recounted", readonly=True,
        help="Lines these companies no longer count are removed first.",
    )
    lines_added = fields.Integer(readonly=True)
    lines_removed = fields.Integer(readonly=True)
    batch_count = fields.Integer(string="Batches", readonly=True)
    date_done = fields.Datetime(string="Finished", readonly=True)

    @api.depends("first_id", "last_id", "max_id", "state")
    def _compute_progress(self):
        for run in self:
            span = run.max_id - run.first_id + 1
            if run.state == "done":
                run.progress = 100.0
            elif run.max_id and span > 0:
                run.progress = min(100.0, 100.0 * (run.last_id - run.first_id) / span)
            else:
                run.progress = 0.0

    @api.model
    def action_rebuild_purchase_history(self):
        """Add to the purchase history every document it misses (Manager)."""
        check_group(self.env, MANAGER)
        run = self.sudo()._start()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Purchase History Rebuild"),
            "res_model": self._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _start(self, purge_companies=None, sources=None):
        """Start a run (the job picks it up) and return it. ``purge_companies``: their
        lines that the way they count sales no longer counts are removed first."""
        run = self.sudo().create({
            "source_names": ",".join(sources) if sources else False,
            "purge_company_ids": [(6, 0, purge_companies.ids if purge_companies else [])],
        })
        cron = self.env.ref("customer_file.cron_purchase_backfill", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()
        return run

    @api.model
    def _start_on_install(self, sources=None, run_now_below=200000):
        """Installation: start a run; when the sources hold fewer than ``run_now_below``
        rows, run it at once in the installation's transaction, else leave it to the job
        (which commits batch by batch)."""
        run = self._start(sources=sources)
        available = self.env["customer.purchase.line"]._backfill_sources()
        size = sum(
            self.env.execute_query(SQL(
                "SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(available[name][0])
            ))[0][0]
            for name in run._sources()
        )
        if size < run_now_below:
            run._run()
        return run

    def _sources(self):
        available = self.env["customer.purchase.line"]._backfill_sources()
        wanted = self.source_names.split(",") if self.source_names else list(available)
        return [name for name in available if name in wanted]

    @api.model
    def _cron_run(self):
        """The job: runs the pending runs, committing after each batch."""
        self._run_pending(commit=True)

    @api.model
    def _run_pending(self, commit=False, batch_size=50000):
        for run in self.sudo().search([("state", "=", "running")], order="id"):
            if not run._run(commit=commit, batch_size=batch_size):
                return False
        return True

    def _run(self, commit=False, batch_size=50000, max_batches=None):
        """Run to the end, or until the job's time is up (``commit``) or ``max_batches``
        batches are done (an interruption, in tests and the bench); True when done."""
        self.ensure_one()
        Line = self.env["customer.purchase.line"]
        if self.purge_company_ids:
            removed = Line._purge_for_basis(self.purge_company_ids)
            self.write({"purge_company_ids": [(5, 0, 0)], "lines_removed": removed})
            if commit and not self._commit(0):
                return False
        sources = self._sources()
        available = Line._backfill_sources()
        if not self.current_source and sources:
            self._next_source(sources, None)
        batches = 0
        while self.current_source:
            if max_batches is not None and batches >= max_batches:
                return False
            batches += 1
            method = available[self.current_source][2]
            low = self.last_id
            high = low + batch_size
            with Line._without_jit():
                added = method(low, high)
                Line.invalidate_model()
                self.env["customer.purchase.day"]._append_lines([row[0] for row in added])
                affected = {pid for row in added for pid in row[1:3]}
                self.env["res.partner"]._refresh_purchase_aggregates(affected)
            values = {"last_id": high, "lines_added": self.lines_added + len(added),
                      "batch_count": self.batch_count + 1}
            self.write(values)
            if high > self.max_id:
                self._next_source(sources, self.current_source)
            if commit and not self._commit(len(added)):
                return False
        self._finish()
        if commit:
            self._commit(0)
        return True

    def _next_source(self, sources, current):
        position = sources.index(current) + 1 if current else 0
        if position >= len(sources):
            self.write({"current_source": False, "first_id": 0, "last_id": 0, "max_id": 0})
            return
        name = sources[position]
        table = self.env["customer.purchase.line"]._backfill_sources()[name][0]
        low, high = self.env.execute_query(SQL(
            "SELECT MIN(id), MAX(id) FROM %s", SQL.identifier(table)
        ))[0]
        self.write({"current_source": name, "first_id": low or 0, "last_id": low or 0,
                    "max_id": high or 0})

    def _finish(self):
        """Compact the daily summary, recompute the favourite categories of the customers
        who got lines since the run started (those who lost lines with the purge were
        recomputed then). Once at the end: each batch's customers have few lines but
        their look-up costs a pass over a large history, as it does once here."""
        self.env["customer.purchase.day"]._compact()
        buyers = [row[0] for row in self.env.execute_query(SQL(
            "SELECT DISTINCT unnest(ARRAY[commercial_partner_id, partner_id])"
            "  FROM customer_purchase_line WHERE write_date >= %s",
            self.create_date,
        ))]
        self.env["res.partner"]._refresh_favourite_categories(buyers)
        self.write({"state": "done", "date_done": fields.Datetime.now()})
        _logger.info("Purchase history rebuild %s: %s lines added, %s removed",
                     self.id, self.lines_added, self.lines_removed)

    def _commit(self, processed):
        """Commit the batch in the job; False when its time is up."""
        return self.env["ir.cron"]._commit_progress(processed) > 0
