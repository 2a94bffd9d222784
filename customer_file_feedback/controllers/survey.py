import re

from odoo import http
from odoo.http import request

# What secrets.token_urlsafe() produces; anything else cannot be a token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")


class CustomerFeedbackSurveyController(http.Controller):
    """The public page of a survey request, reached with the request's token.

    Mail scanners open links: GET only shows the question (with the score clicked in the
    mail preselected) and only POST records the answer. A frontend route (``website=True``,
    which does not need the website app) for the frontend layout and the language in the URL.
    """

    @http.route(
        "/customer-feedback/survey/<string:token>", type="http", auth="public",
        methods=["GET", "POST"], website=True, sitemap=False,
    )
    def survey_page(self, token, score=None, comment=None, **kwargs):
        survey = self._survey_from_token(token)
        if request.httprequest.method == "POST":
            survey._lock_for_answer()
        if survey.state == "answered":
            return request.render(
                "customer_file_feedback.survey_page_thanks", {"already_answered": True},
                status=410,
            )
        if not survey._is_open():
            raise request.not_found()
        if request.httprequest.method != "POST":
            selected = survey._parse_score(score)
            return self._render_question(survey, token, selected)
        parsed = survey._parse_score(score)
        if parsed is None:
            low, high = survey._score_range()[0], survey._score_range()[-1]
            error = request.env._(
                "Choose a score from %(low)s to %(high)s.", low=low, high=high
            )
            return self._render_question(survey, token, None, comment, error, status=400)
        survey._record_answer(parsed, comment if isinstance(comment, str) else "")
        return request.render(
            "customer_file_feedback.survey_page_thanks", {"already_answered": False}
        )

    def _survey_from_token(self, token):
        survey = request.env["customer.feedback.request"].sudo().browse()
        if TOKEN_PATTERN.fullmatch(token):
            survey = survey.search([("access_token", "=", token)], limit=1)
        if not survey:
            raise request.not_found()
        return survey

    def _render_question(self, survey, token, selected, comment="", error=None, status=200):
        low_label, high_label = survey._score_labels()
        return request.render("customer_file_feedback.survey_page_question", {
            "token": token,
            "question": survey._question(),
            "scores": [str(score) for score in survey._score_range()],
            "selected": str(selected) if selected is not None else False,
            "low_label": low_label,
            "high_label": high_label,
            "comment": comment if isinstance(comment, str) else "",
            "error": error,
        }, status=status)

    @http.route(
        "/customer-feedback/unsubscribe/<string:token>", type="http", auth="public",
        methods=["GET", "POST"], website=True, sitemap=False, csrf=False,
    )
    def survey_unsubscribe(self, token, **kwargs):
        """Withdraw the consent to surveys by email from the link of a survey mail.

        GET asks for a confirmation (mail scanners open links), POST records the withdrawal
        with the browser's IP address and user agent as evidence. The request's secret
        token authenticates the customer: the POST needs no CSRF token, as a one-click
        unsubscribe from a mail client (RFC 8058) carries none."""
        survey = self._survey_from_token(token)
        if request.httprequest.method != "POST":
            return request.render("customer_file_feedback.survey_unsubscribe_page", {
                "token": token, "done": False, "company": survey.company_id.sudo(),
            })
        survey._unsubscribe(
            ip_address=request.httprequest.remote_addr,
            user_agent=request.httprequest.user_agent.string,
        )
        return request.render("customer_file_feedback.survey_unsubscribe_page", {
            "token": token, "done": True, "company": survey.company_id.sudo(),
        })
