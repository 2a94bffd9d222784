import ast
import heapq
import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group
from odoo.addons.customer_file.tools.job_fields import check_job_fields

_logger = logging.getLogger(__name__)

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"
VALUE_TIERS = [("high", "High value"), ("medium", "Medium value"), ("low", "Low value")]
# Set by the assignment only.
JOB_FIELDS = {"last_run_date", "waiting_count"}
# One assignment at a time: the nightly job, the button and a manager's archiving would
# otherwise balance on the same loads and give two managers the same customer.
ASSIGNMENT_LOCK = 7_301_907


class CustomerKeyAccountRule(models.Model):
    """Which customers are key accounts and who may manage them.

    Every night (and on *Assign key accounts now*) each customer goes to the first active
    rule, by sequence, whose audience they are in; see :meth:`_run_assignment`.
    """

    _name = "customer.key.account.rule"
    _description = "Key Account Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True,
        help="Customers of this company (or shared by all companies) are in the audience; "
        "account managers must work in it.",
    )
    value_tier = fields.Selection(
        VALUE_TIERS, help="Only customers of this value tier (filled by the segmentation).",
    )
    domain = fields.Char(
        string="Customers", default="[]",
        help="Which customers are key accounts under this rule, in addition to the value tier: "
        "any condition on customers (a membership level, a city, a tag...).",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team",
        help="Only members of this team manage the key accounts of this rule; leaving the team "
        "hands their key accounts to another member.",
    )
    user_ids = fields.Many2many(
        "res.users", "customer_key_account_rule_user_rel", "rule_id", "user_id",
        string="Account Managers", compute="_compute_user_ids", store=True, readonly=False,
        domain="[('share', '=', False)]",
        help="Who may manage the key accounts of this rule; new key accounts go to the one "
        "with the fewest key accounts. By default the members of the team.",
    )
    max_accounts = fields.Integer(
        string="Maximum per Manager",
        help="A manager with this many key accounts (of any rule) gets no more from this rule; "
        "0 means no limit.",
    )
    key_account_count = fields.Integer(string="Key Accounts",
                                       compute="_compute_key_account_count")
    last_run_date = fields.Datetime(string="Last Assignment", readonly=True, copy=False)
    waiting_count = fields.Integer(
        string="Waiting for a Manager", readonly=True, copy=False,
        help="Customers of the audience left without an account manager at the last "
        "assignment because every manager of the rule had reached the maximum.",
    )


    @api.depends("team_id")
    def _compute_user_ids(self):
        for rule in self:
            if rule.team_id:
                rule.user_ids = rule.team_id.member_ids

    def _compute_key_account_count(self):
        counts = dict(self.env["res.partner"].sudo()._read_group(
            [("key_account_rule_id", "in", self.ids)], ["key_account_rule_id"], ["__count"],
        ))
        for rule in self:
            rule.key_account_count = counts.get(rule, 0)

    @api.constrains("domain", "value_tier")
    def _check_audience(self):
        for rule in self:
            domain = rule._parse_domain()
            if domain.is_true() and not rule.value_tier:
                raise ValidationError(self.env._(
                    "The key account rule %(rule)s has no audience: choose a value tier or "
                    "set a condition on the customers (it would make every customer a key "
                    "account).", rule=rule.name,
                ))
            try:
                self.env["res.partner"].sudo()._search(domain)
            except (ValueError, KeyError, TypeError, AssertionError) as error:
                raise ValidationError(self.env._(
                    "The customers of the key account rule %(rule)s are not a valid "
                    "condition: %(error)s", rule=rule.name, error=error,
                )) from error

    @api.constrains("max_accounts")
    def _check_max_accounts(self):
        for rule in self.filtered(lambda rule: rule.max_accounts < 0):
            raise ValidationError(self.env._(
                "The maximum of key accounts per manager of %(rule)s cannot be negative "
                "(0 means no limit).", rule=rule.name,
            ))

    @api.constrains("team_id", "user_ids")
    def _check_managers(self):
        for rule in self:
            others = rule.user_ids.filtered(lambda user: not user.has_group(USER))
            if others:
                raise ValidationError(self.env._(
                    "%(users)s cannot manage the key accounts of %(rule)s: they are not "
                    "Customer File users.",
                    users=", ".join(others.mapped("name")), rule=rule.name,
                ))
            outsiders = rule.user_ids - rule.team_id.member_ids if rule.team_id else None
            if outsiders:
                raise ValidationError(self.env._(
                    "%(users)s cannot manage the key accounts of %(rule)s: they are not "
                    "members of its team %(team)s.",
                    users=", ".join(outsiders.mapped("name")), rule=rule.name,
                    team=rule.team_id.name,
                ))

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        managers_before = (
            {rule: rule.user_ids for rule in self} if {"user_ids", "team_id"} & vals.keys()
            else {}
        )
        archived = self.filtered("active") if "active" in vals and not vals["active"] else None
        result = super().write(vals)
        # Hand over at once what the nightly job would: the key accounts of the managers
        # taken out of a rule, and those of an archived rule.
        handed_over = Domain.FALSE
        for rule, before in managers_before.items():
            removed = before - rule.user_ids
            if removed:
                handed_over |= Domain("key_account_rule_id", "=", rule.id) & Domain(
                    "key_account_manager_id", "in", removed.ids
                )
        if archived:
            handed_over |= Domain("key_account_rule_id", "in", archived.ids)
        if not handed_over.is_false():
            self._reassign(list(self.env["res.partner"].sudo()._search(handed_over)))
        return result

    def unlink(self):
        key_accounts = list(self.env["res.partner"].sudo()._search(
            [("key_account_rule_id", "in", self.ids)]
        ))
        result = super().unlink()
        self._reassign(key_accounts)
        return result

    def _reassign(self, partner_ids):
        """Run the assignment on these key accounts now (another rule or manager, or
        released), as the nightly job would."""
        if partner_ids:
            self.env["customer.key.account.rule"].sudo()._run_assignment(partner_ids=partner_ids)

    def _parse_domain(self):
        self.ensure_one()
        try:
            return Domain(ast.literal_eval(self.domain or "[]"))
        except (ValueError, SyntaxError, TypeError) as error:
            raise ValidationError(self.env._(
                "The customers of the key account rule %(rule)s are not a valid condition: "
                "%(error)s", rule=self.name, error=error,
            )) from error

    def _audience_domain(self):
        """The customers of this rule: its condition and tier, among the active customers
        (companies and individuals, not their contacts) of its company."""
        self.ensure_one()
        domain = self._parse_domain() & Domain("active", "=", True)
        domain &= Domain("parent_id", "=", False) | Domain("is_company", "=", True)
        domain &= Domain("customer_rank", ">", 0) | Domain("customer_code", "!=", False)
        domain &= Domain("company_id", "in", [False, self.company_id.id])
        if self.value_tier:
            domain &= Domain("value_tier", "=", self.value_tier)
        return domain

    def _eligible_managers(self):
        """Active internal users of the rule who work in its company and, when it has a
        team, are still members of the team."""
        self.ensure_one()
        users = self.user_ids.filtered(
            lambda user: user.active and not user.share and self.company_id in user.company_ids
            and user.has_group(USER)
        )
        if self.team_id:
            users &= self.team_id.member_ids
        return users

    # ------------------------------------------------------------------ assignment

    def action_assign_now(self):
        """Assign key accounts of every active rule now (the nightly job's work)."""
        check_group(self.env, OFFICER)
        result = self.sudo()._run_assignment()
        message = self.env._(
            "%(assigned)s customers assigned, %(reassigned)s reassigned, %(released)s "
            "released, %(kept)s kept their account manager.", **result,
        )
        if result["waiting"]:
            message += " " + self.env._(
                "%(waiting)s customers wait for a manager: every manager of their rule has "
                "reached the maximum (see Waiting for a Manager on the rules).", **result,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Key accounts assigned"),
                "message": message,
                "type": "warning" if result["waiting"] else "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _cron_assign(self):
        result = self.sudo()._run_assignment()
        _logger.info("Key accounts: %s", result)
        if result["waiting"]:
            _logger.warning("Key accounts: %s customers wait for a manager (rules at maximum)",
                            result["waiting"])

    @api.model
    def _run_assignment(self, partner_ids=None, leaving_user_ids=()):
        """Make the key accounts follow the rules, as superuser.

        Each customer of some rule's audience belongs to the first such rule by sequence. A
        key account keeps its manager while that manager may still manage it under its rule;
        new key accounts, and those whose manager left (archived, out of the rule or its
        team, or in ``leaving_user_ids``), go to the eligible manager with the fewest key
        accounts below the rule's maximum. Customers of no rule are released. The audiences
        are one query per rule; the balancing works on ids; the writes are a few set-based
        statements. ``partner_ids`` limits the run to those customers (the others keep their
        state but count in the managers' loads).
        """
        if not self.env.execute_query(SQL("SELECT pg_try_advisory_xact_lock(%s)",
                                          ASSIGNMENT_LOCK))[0][0]:
            raise UserError(self.env._(
                "Key accounts are being assigned right now; try again in a few minutes."
            ))
        Partner = self.env["res.partner"].sudo()
        rules = self.sudo().search([])  # every company's
        fnames = ["key_account_manager_id", "key_account_rule_id", "key_account_since"]
        Partner.flush_model()
        restrict = SQL("")
        if partner_ids is not None:
            restrict = SQL(" AND id = ANY(%s)", list(partner_ids))

        rule_of = {}
        for rule in rules:
            query = Partner._search(rule._audience_domain())
            for (partner_id,) in self.env.execute_query(SQL(
                "SELECT id FROM %s AS audience WHERE TRUE%s", query.subselect(), restrict,
            )):
                rule_of.setdefault(partner_id, rule.id)

        current = {
            partner_id: (manager_id, rule_id)
            for partner_id, manager_id, rule_id in self.env.execute_query(SQL(
                "SELECT id, key_account_manager_id, key_account_rule_id FROM res_partner"
                " WHERE key_account_manager_id IS NOT NULL%s", restrict,
            ))
        }
        loads = defaultdict(int)
        for manager_id, count in self.env.execute_query(SQL(
            "SELECT key_account_manager_id, count(*) FROM res_partner"
            " WHERE key_account_manager_id IS NOT NULL GROUP BY key_account_manager_id"
        )):
            loads[manager_id] = count
        eligible = {rule.id: set(rule._eligible_managers().ids) - set(leaving_user_ids)
                    for rule in rules}

        eligible_somewhere = set().union(*eligible.values())
        kept, moved, released = [], [], []
        # (partner, reason) per rule, for the balancing
        to_assign = defaultdict(list)
        for partner_id, (manager_id, rule_id) in current.items():
            target = rule_of.get(partner_id)
            if target is None:
                released.append((partner_id, "released"))
                loads[manager_id] -= 1
            elif manager_id in eligible[target]:
                kept.append(partner_id)
                if target != rule_id:
                    moved.append((partner_id, target))
            else:
                # Left: may no longer manage it under its rule (or any rule, when its rule
                # is gone); otherwise it moved to a rule its manager is not part of.
                left = manager_id not in eligible.get(rule_id, eligible_somewhere)
                to_assign[target].append((partner_id, "manager_left" if left else "reassigned"))
                loads[manager_id] -= 1
        for partner_id, rule_id in rule_of.items():
            if partner_id not in current:
                to_assign[rule_id].append((partner_id, "assigned"))

        assignments, waiting = [], {}
        for rule in rules:
            candidates = sorted(to_assign.get(rule.id, ()))
            heap = [(loads[user_id], user_id) for user_id in eligible[rule.id]]
            heapq.heapify(heap)
            waiting[rule.id] = 0
            for partner_id, reason in candidates:
                if not heap or (rule.max_accounts and heap[0][0] >= rule.max_accounts):
                    waiting[rule.id] += 1
                    if partner_id in current:
                        released.append((partner_id, reason))
                    continue
                load, user_id = heapq.heappop(heap)
                assignments.append((partner_id, user_id, rule.id, reason))
                loads[user_id] = load + 1
                heapq.heappush(heap, (load + 1, user_id))

        self._apply(current, assignments, released, moved)
        if partner_ids is None:
            now = fields.Datetime.now()
            for rule in rules:
                rule.write({"last_run_date": now, "waiting_count": waiting[rule.id]})
        Partner.invalidate_model(fnames)
        self.env["customer.key.account.assignment"].invalidate_model()
        reasons = [reason for _p, _u, _r, reason in assignments]
        return {
            "assigned": reasons.count("assigned"),
            "reassigned": len(reasons) - reasons.count("assigned"),
            "released": len([1 for partner_id, reason in released if reason == "released"]),
            "kept": len(kept),
            "waiting": sum(waiting.values()),
        }

    def _apply(self, current, assignments, released, moved):
        """Write the outcome: the customers' fields, the log and the welcome activities."""
        today = fields.Date.context_today(self)
        uid = self.env.uid
        ended = released + [(partner_id, reason) for partner_id, _u, _r, reason in assignments
                            if partner_id in current]
        if ended:
            ids, reasons = zip(*ended, strict=True)
            self.env.cr.execute(SQL(
                """UPDATE customer_key_account_assignment log
                      SET date_to = %(today)s, end_reason = ended.reason,
                          write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                     FROM unnest(%(ids)s::int[], %(reasons)s::varchar[]) AS ended(id, reason)
                    WHERE log.partner_id = ended.id AND log.date_to IS NULL""",
                today=today, uid=uid, ids=list(ids), reasons=list(reasons),
            ))
        gone = [partner_id for partner_id, _reason in released]
        if gone:
            self.env.cr.execute(SQL(
                """UPDATE res_partner SET key_account_manager_id = NULL,
                          key_account_rule_id = NULL, key_account_since = NULL,
                          write_uid = %s, write_date = NOW() AT TIME ZONE 'UTC'
                    WHERE id = ANY(%s)""", uid, gone,
            ))
        if moved:
            ids, rule_ids = zip(*moved, strict=True)
            self.env.cr.execute(SQL(
                """UPDATE res_partner p SET key_account_rule_id = moved.rule_id
                     FROM unnest(%s::int[], %s::int[]) AS moved(id, rule_id)
                    WHERE p.id = moved.id""", list(ids), list(rule_ids),
            ))
            self.env.cr.execute(SQL(
                """UPDATE customer_key_account_assignment log SET rule_id = moved.rule_id
                     FROM unnest(%s::int[], %s::int[]) AS moved(id, rule_id)
                    WHERE log.partner_id = moved.id AND log.date_to IS NULL""",
                list(ids), list(rule_ids),
            ))
        if not assignments:
            return
        ids, user_ids, rule_ids, reasons = (
            list(column) for column in zip(*assignments, strict=True)
        )
        self.env.cr.execute(SQL(
            """UPDATE res_partner p
                  SET key_account_manager_id = new.user_id, key_account_rule_id = new.rule_id,
                      key_account_since = COALESCE(p.key_account_since, %(today)s),
                      write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                 FROM unnest(%(ids)s::int[], %(users)s::int[], %(rules)s::int[])
                      AS new(id, user_id, rule_id)
                WHERE p.id = new.id""",
            today=today, uid=uid, ids=ids, users=user_ids, rules=rule_ids,
        ))
        self.env.cr.execute(SQL(
            """INSERT INTO customer_key_account_assignment
                      (partner_id, manager_id, rule_id, company_id, date_from, reason,
                       create_uid, create_date, write_uid, write_date)
               SELECT new.id, new.user_id, new.rule_id, rule.company_id, %(today)s,
                      new.reason, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                      NOW() AT TIME ZONE 'UTC'
                 FROM unnest(%(ids)s::int[], %(users)s::int[], %(rules)s::int[],
                             %(reasons)s::varchar[]) AS new(id, user_id, rule_id, reason)
                 JOIN customer_key_account_rule rule ON rule.id = new.rule_id""",
            today=today, uid=uid, ids=ids, users=user_ids, rules=rule_ids, reasons=reasons,
        ))
        self._schedule_welcome_calls(list(zip(ids, user_ids, strict=True)))

    @api.model
    def _schedule_welcome_calls(self, partner_managers):
        """A To-Do *Welcome call* for each new manager on their new key account, in the
        manager's language, the manager following the customer (as creating the activity
        would do), and no "activity assigned to you" email per key account.

        Written set-based: creating them through the ORM cost about 4 ms each (the
        activity's and the follower's record, the note sanitized again for each, the
        customer's activity list updated in cache), minutes for a hand-over of 10,000 key
        accounts. The rows are those core's create writes, with the default subtypes.
        """
        if not partner_managers:
            return
        Activity = self.env["mail.activity"].sudo()
        Partner = self.env["res.partner"].sudo()
        todo = self.env.ref("mail.mail_activity_data_todo")
        deadline = todo._get_date_deadline()
        partner_ids, user_ids = (list(column) for column in zip(*partner_managers, strict=True))
        users = self.env["res.users"].sudo().browse(set(user_ids))
        texts = {}
        for user in users:
            env = self.with_context(lang=user.lang).env
            texts[user.id] = (
                env._("Welcome call"),
                str(Activity._fields["note"].convert_to_column(env._(
                    "You are now this customer's key account manager: introduce yourself."
                ), Activity)),
            )
        names = []
        for start in range(0, len(partner_ids), 1000):
            names += Partner.browse(partner_ids[start:start + 1000]).mapped("display_name")
            Partner.invalidate_model()
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """INSERT INTO mail_activity
                      (res_model_id, res_model, res_id, res_name, activity_type_id, summary,
                       note, user_id, date_deadline, active,
                       create_uid, create_date, write_uid, write_date)
               SELECT %(model_id)s, 'res.partner', new.partner_id, new.name, %(type)s,
                      new.summary, new.note, new.user_id, %(deadline)s, TRUE,
                      %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                 FROM unnest(%(partners)s::int[], %(users)s::int[], %(names)s::varchar[],
                             %(summaries)s::varchar[], %(notes)s::text[])
                      AS new(partner_id, user_id, name, summary, note)""",
            model_id=self.env["ir.model"]._get_id("res.partner"), type=todo.id,
            deadline=deadline, uid=self.env.uid, partners=partner_ids, users=user_ids,
            names=names, summaries=[texts[user_id][0] for user_id in user_ids],
            notes=[texts[user_id][1] for user_id in user_ids],
        ))
        # The default subtypes, as message_subscribe() gives a new follower.
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes(
            "res.partner"
        )
        self.env.cr.execute(SQL(
            """WITH followers AS (
                   INSERT INTO mail_followers (res_model, res_id, partner_id)
                   SELECT DISTINCT 'res.partner', new.partner_id, manager.partner_id
                     FROM unnest(%(partners)s::int[], %(users)s::int[])
                          AS new(partner_id, user_id)
                     JOIN res_users manager ON manager.id = new.user_id
                   ON CONFLICT (res_model, res_id, partner_id) DO NOTHING
                   RETURNING id, partner_id)
               INSERT INTO mail_followers_mail_message_subtype_rel
                      (mail_followers_id, mail_message_subtype_id)
               SELECT followers.id,
                      unnest(CASE WHEN follower.partner_share THEN %(external)s::int[]
                                  ELSE %(default)s::int[] END)
                 FROM followers
                 JOIN res_partner follower ON follower.id = followers.partner_id""",
            partners=partner_ids, users=user_ids, default=default.ids, external=external.ids,
        ))
        Activity.invalidate_model()
        self.env["mail.followers"].invalidate_model()
        Partner.invalidate_model()
        if deadline <= fields.Date.today():
            for user in users:
                user._bus_send("mail.activity/updated", {
                    "activity_created": True, "count_diff": user_ids.count(user.id),
                })
