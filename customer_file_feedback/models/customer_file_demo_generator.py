import random
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.fields import Command

from odoo.addons.customer_file.models.customer_file_demo_generator import DEMO_SEED

# (type, channels, summaries): what customers of an electronics retailer tell it.
FEEDBACK_KINDS = [
    ("review", ("survey", "website", "store"), (
        "手机续航比预期好", "Fast checkout in the store", "平板屏幕很清晰",
        "Laptop runs hot when gaming", "耳机降噪一般",
    )),
    ("praise", ("store", "social", "phone"), (
        "店员讲解非常耐心", "Technician fixed my phone in an hour", "送货师傅很专业",
    )),
    ("complaint", ("phone", "service_desk", "email", "store", "social"), (
        "快递延误一周", "Phone arrived with a scratched screen", "维修后问题再次出现",
        "Charged twice for Care+", "客服电话一直占线", "Laptop keyboard stopped working",
    )),
    ("suggestion", ("website", "email", "survey"), (
        "希望周末延长营业时间", "Offer trade-in for old tablets", "App 里增加维修进度查询",
    )),
    ("inquiry", ("phone", "website", "social"), (
        "Care+ 是否覆盖进水", "Is the X1 Pro compatible with 5G in the UK?", "发票如何开具",
    )),
]
TYPE_WEIGHTS = [35, 10, 25, 15, 15]
ROOT_CAUSES = [
    "Courier missed the delivery window", "包装不足，运输中受损",
    "Billing system applied the plan twice", "维修备件批次质量问题",
]


class CustomerFileDemoGenerator(models.AbstractModel):
    _inherit = "customer.file.demo.generator"

    @api.model
    def _generate_feedback(self, seed=DEMO_SEED):
        """Feedback of the demo customers over 18 months: scored reviews, complaints in
        every stage (a few overdue), suggestions and inquiries; customers who stopped buying
        grew less satisfied. Then consents to surveys by email, improvement measures and
        survey requests."""
        rnd = random.Random(seed + 5)
        today = fields.Date.context_today(self)
        customers = self.env["res.partner"].search(
            [("customer_code", "!=", False), ("is_company", "=", False),
             ("customer_rank", ">", 0)], order="id",
        )
        tags = self.env["customer.feedback.tag"].search([])
        vals_list = []
        for partner in customers.filtered(lambda _partner: rnd.random() < 0.55):
            drifting = bool(partner.last_purchase_date) \
                and (today - partner.last_purchase_date).days > 180
            for _n in range(rnd.randint(1, 4)):
                vals_list.append(self._demo_feedback_vals(rnd, partner, drifting, tags, today))
        feedback = self.env["customer.feedback"].create(vals_list)
        email_points = self.env["customer.contact.point"].search(
            [("kind", "=", "email"), ("partner_id", "in", customers.ids)]
        )
        # Imported consents to surveys, as a store would bring them from its former system.
        purpose = self.env["customer.consent.event"]._purpose("surveys")
        self.env["customer.consent.event"].create([{
            "partner_id": point.partner_id.id, "company_id": point.company_id.id,
            "purpose_id": purpose.id, "channel": "email", "action": "granted",
            "legal_basis": "consent", "source": "import", "contact_value": point.value_normalized,
        } for point in email_points.filtered(lambda _point: rnd.random() < 0.6)])
        self._generate_improvement_measures(rnd, feedback, today)
        self._generate_survey_answers(rnd)
        return feedback

    def _generate_survey_answers(self, rnd):
        """Send the surveys the daily job would send today; about half get an answer."""
        Request = self.env["customer.feedback.request"]
        Request._cron_send_surveys()
        for survey in Request.search([("state", "=", "sent")], order="id"):
            if rnd.random() < 0.5:
                scores = survey._score_range()
                score = rnd.choice(scores[len(scores) // 2:] if rnd.random() < 0.8 else scores)
                survey._record_answer(score, rnd.choice(["", "服务很好", "Quick and friendly"]))

    def _demo_feedback_vals(self, rnd, partner, drifting, tags, today):
        kind, channels, summaries = rnd.choices(FEEDBACK_KINDS, weights=TYPE_WEIGHTS)[0]
        # Some complaints are recent, so the board has work in every stage.
        recent = kind == "complaint" and rnd.random() < 0.2
        days_ago = rnd.randrange(0, 12) if recent else rnd.randrange(1, 540)
        now = fields.Datetime.now()
        received = min(
            datetime.combine(today - timedelta(days=days_ago), time(rnd.randint(1, 9))), now
        )
        unhappy = drifting and days_ago < 150
        vals = {
            "partner_id": partner.id,
            "user_id": partner.user_id.id,
            "feedback_type": kind,
            "channel": rnd.choice(channels),
            "summary": rnd.choice(summaries),
            "feedback_date": received,
            "tag_ids": [Command.set(rnd.sample(tags.ids, k=min(len(tags), rnd.randint(1, 2))))],
        }
        if kind in ("review", "praise") or (kind == "complaint" and rnd.random() < 0.4):
            low, high = (1, 3) if unhappy or kind == "complaint" else (3, 5)
            vals["csat_score"] = str(5 if kind == "praise" else rnd.randint(low, high))
        if kind == "review" and rnd.random() < 0.5:
            vals["channel"] = "survey"
            vals["nps_score"] = str(rnd.randint(0, 6) if unhappy else rnd.randint(5, 10))
        if kind == "complaint":
            vals.update(self._demo_complaint_stage(rnd, received, days_ago))
        elif days_ago > 10:
            vals.update(state="closed", acknowledged_date=received + timedelta(hours=4),
                        closed_date=received + timedelta(days=1))
        return vals

    def _demo_complaint_stage(self, rnd, received, days_ago):
        vals = {"priority": rnd.choice(["0", "1", "1", "2", "3"])}
        if days_ago < 4 and rnd.random() < 0.7:
            return {**vals, "state": "new"}
        now = fields.Datetime.now()
        acknowledged = min(received + timedelta(hours=rnd.randint(1, 30)), now)
        vals["acknowledged_date"] = acknowledged
        if days_ago < 12 and rnd.random() < 0.6:
            return {**vals, "state": rnd.choice(["acknowledged", "in_progress"])}
        resolved = min(acknowledged + timedelta(days=rnd.uniform(0.5, 9)), now)
        vals.update(
            state="closed" if days_ago > 20 else "resolved",
            resolved_date=resolved,
            closed_date=resolved + timedelta(days=2) if days_ago > 20 else False,
            root_cause=rnd.choice(ROOT_CAUSES),
            corrective_action="Replaced the product and refunded the delivery fee.",
            resolution="<p>已为客户更换产品并退还运费。</p>",
            customer_confirmed=days_ago > 20 and rnd.random() < 0.8,
        )
        return vals

    def _generate_improvement_measures(self, rnd, feedback, today):
        delivery = self.env.ref("customer_file_feedback.tag_delivery")
        quality = self.env.ref("customer_file_feedback.tag_product_quality")
        complaints = feedback.filtered(lambda record: record.feedback_type == "complaint")
        measures = self.env["customer.improvement.measure"].create([
            {
                "name": "Delivery crews trained to photograph parcels on hand-over",
                "state": "done",
                "due_date": today - timedelta(days=170),
                "done_date": today - timedelta(days=160),
                "feedback_ids": [Command.set(complaints.filtered(
                    lambda record: delivery in record.tag_ids
                    and record.feedback_date.date() < today - timedelta(days=160)
                ).ids)],
            },
            {
                "name": "Incoming inspection of screens from the new supplier",
                "state": "in_progress",
                "due_date": today + timedelta(days=20),
                "feedback_ids": [Command.set(complaints.filtered(
                    lambda record: quality in record.tag_ids
                ).ids[:15])],
            },
            {
                "name": "Repair status in the app (suggested by customers)",
                "state": "planned",
                "due_date": today + timedelta(days=60),
                "feedback_ids": [Command.set(feedback.filtered(
                    lambda record: record.feedback_type == "suggestion"
                ).ids[:10])],
            },
        ])
        # The customers behind the delivery measure were asked again after it: most of them
        # are happier, which its effect evaluation shows.
        trained = measures[0]
        self.env["customer.feedback"].create([
            {
                "partner_id": partner.id,
                "feedback_type": "review",
                "channel": "survey",
                "summary": "送货准时，包装完好",
                "feedback_date": datetime.combine(
                    trained.done_date + timedelta(days=rnd.randrange(5, 80)), time(3)
                ),
                "csat_score": str(rnd.choice([3, 4, 4, 5, 5])),
                "tag_ids": [Command.set(delivery.ids)],
            }
            for partner in trained.partner_ids
        ])
