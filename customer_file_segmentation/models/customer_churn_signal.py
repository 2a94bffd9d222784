from odoo import api, fields, models
from odoo.tools import SQL

# Decimals a value is shown and stored with, by unit of its signal type (2 otherwise): a value
# that moved less than that is the same to the reader, and is not rewritten.
VALUE_DECIMALS = {"ratio": 1, "percent": 0, "probability": 2, "days": 0, "amount": 2}
DEFAULT_DECIMALS = 2


class CustomerChurnSignal(models.Model):
    """One signal that fired for a warning, with the value that made it fire."""

    _name = "customer.churn.signal"
    _description = "Churn Signal"
    _order = "points desc, id"
    # Written only by the runs, thousands at a time: who and when is the run's, and each
    # of the four log columns' foreign key checks would cost more than the row itself.
    _log_access = False

    warning_id = fields.Many2one("customer.churn.warning", required=True, index=True,
                                 ondelete="cascade")
    type_id = fields.Many2one("customer.churn.signal.type", string="Signal", required=True,
                              ondelete="cascade")
    # Double precision, rounded as shown (``VALUE_DECIMALS``) by the runs that compare it.
    value = fields.Float(string="Raw Value")
    points = fields.Integer(
        string="Contribution (points)",
        help="How many points of percentage this reason adds to the churn probability: the "
        "probability minus what it would be with this feature at the company's average.",
    )
    value_display = fields.Char(string="Value", compute="_compute_value_display")

    def init(self):
        # Every run rewrites the values that moved: room on each page keeps the new version
        # of a row on its page, without touching the indexes (HOT updates).
        self.env.cr.execute(SQL("ALTER TABLE customer_churn_signal SET (fillfactor = 50)"))

    @api.model
    def _rounded_value(self, value, unit):
        """SQL rounding ``value`` (double precision) as the signal's ``unit`` shows it."""
        def rounded(digits):
            return SQL("ROUND(%s * %s) / %s", value, 10 ** digits, 10 ** digits)

        return SQL(
            "CASE %s %s ELSE %s END",
            unit,
            SQL(" ").join(SQL("WHEN %s THEN %s", code, rounded(digits))
                          for code, digits in VALUE_DECIMALS.items()),
            rounded(DEFAULT_DECIMALS),
        )

    @api.model
    def _store_measured(self):
        """Store the reasons measured by a run for the warnings it opened or rescored: those
        of ``customer_churn_rescored`` (``partner_id``, ``warning_id``; see
        ``customer.churn.warning._apply_churn``), as ``customer_churn_fired`` has them
        (``customer.churn.evaluation``).

        One join of their fired reasons with their stored ones keeps the differences
        (``customer_churn_signal_change``): values that moved are updated in place, reasons
        that stopped firing deleted, new ones inserted.
        """
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_signal_change;
            CREATE TEMP TABLE customer_churn_signal_change ON COMMIT DROP AS
            SELECT signal.id, new.warning_id, new.type_id, new.value, new.points
              FROM (SELECT rescored.warning_id, fired.type_id, %(value)s AS value,
                           fired.points
                      FROM customer_churn_fired fired
                      JOIN customer_churn_signal_type kind ON kind.id = fired.type_id
                      JOIN customer_churn_rescored rescored
                        ON rescored.partner_id = fired.partner_id) new
              FULL JOIN (SELECT signal.id, signal.warning_id, signal.type_id, signal.value,
                                signal.points
                           FROM customer_churn_signal signal
                           JOIN customer_churn_rescored rescored
                             ON rescored.warning_id = signal.warning_id) signal
                ON signal.warning_id = new.warning_id AND signal.type_id = new.type_id
             WHERE (new.value, new.points) IS DISTINCT FROM (signal.value, signal.points);
            UPDATE customer_churn_signal signal
               SET value = change.value, points = change.points
              FROM customer_churn_signal_change change
             WHERE change.id = signal.id AND change.warning_id IS NOT NULL;
            DELETE FROM customer_churn_signal signal
             USING customer_churn_signal_change change
             WHERE change.id = signal.id AND change.warning_id IS NULL;
            INSERT INTO customer_churn_signal (warning_id, type_id, value, points)
            SELECT change.warning_id, change.type_id, change.value, change.points
              FROM customer_churn_signal_change change
             WHERE change.id IS NULL;
            """,
            value=self._rounded_value(SQL("fired.value"), SQL("kind.unit")),
        ))
        self.invalidate_model()

    @api.depends("value", "type_id.unit")
    def _compute_value_display(self):
        units = dict(self.env["customer.churn.signal.type"]._fields["unit"]
                     ._description_selection(self.env))
        for signal in self:
            unit = signal.type_id.unit
            digits = VALUE_DECIMALS.get(unit)
            if unit == "ratio":
                signal.value_display = f"{signal.value:.{digits}f} {units['ratio']}"
            elif unit == "percent":
                signal.value_display = f"{-signal.value:+.{digits}f}%".replace("+0%", "0%")
            elif unit == "days":
                signal.value_display = f"{signal.value:.0f} {units['days']}"
            elif unit == "amount":
                signal.value_display = f"{signal.value:,.2f}"
            elif unit == "probability":
                signal.value_display = f"{signal.value:.{digits - 2}%}"
            else:
                signal.value_display = f"{signal.value:g}"
