from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.customer_feedback import OPEN_STATES


class FeedbackCustomerPortal(CustomerPortal):
    """The customer's complaints under /my/complaints: list, detail and chatter.

    Lists are searched with the portal user's own rights (the record rules keep them to the
    complaints of their commercial partner); the domain repeats that restriction so an
    internal user visiting the page only sees their own company's complaints too.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "complaint_count" in counters:
            Feedback = request.env["customer.feedback"]
            values["complaint_count"] = (
                Feedback.search_count(self._prepare_complaints_domain(request.env.user.partner_id))
                if Feedback.has_access("read") else 0
            )
        return values

    def _prepare_complaints_domain(self, partner):
        return Domain("feedback_type", "=", "complaint") & Domain(
            "commercial_partner_id", "=", partner.commercial_partner_id.id
        )

    def _get_complaint_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "feedback_date desc, id desc"},
            "name": {"label": request.env._("Reference"), "order": "name desc, id desc"},
            "stage": {
                "label": request.env._("Stage"), "order": "state, feedback_date desc, id desc",
            },
        }

    def _get_complaint_searchbar_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": Domain.TRUE},
            "open": {"label": request.env._("Open"), "domain": Domain("state", "in", OPEN_STATES)},
            "done": {
                "label": request.env._("Resolved or Closed"),
                "domain": Domain("state", "in", ("resolved", "closed")),
            },
        }

    def _prepare_complaints_portal_rendering_values(
        self, page=1, sortby=None, filterby=None, **kwargs
    ):
        Feedback = request.env["customer.feedback"]
        values = self._prepare_portal_layout_values()
        searchbar_sortings = self._get_complaint_searchbar_sortings()
        searchbar_filters = self._get_complaint_searchbar_filters()
        if sortby not in searchbar_sortings:
            sortby = "date"
        if filterby not in searchbar_filters:
            filterby = "all"
        domain = (
            self._prepare_complaints_domain(request.env.user.partner_id)
            & searchbar_filters[filterby]["domain"]
        )
        can_read = Feedback.has_access("read")
        url = "/my/complaints"
        pager_values = portal_pager(
            url=url,
            total=Feedback.search_count(domain) if can_read else 0,
            page=page,
            step=self._items_per_page,
            url_args={"sortby": sortby, "filterby": filterby},
        )
        complaints = Feedback.search(
            domain, order=searchbar_sortings[sortby]["order"], limit=self._items_per_page,
            offset=pager_values["offset"],
        ) if can_read else Feedback
        values.update({
            "complaints": complaints,
            "page_name": "complaint",
            "pager": pager_values,
            "default_url": url,
            "sortby": sortby,
            "searchbar_sortings": searchbar_sortings,
            "filterby": filterby,
            "searchbar_filters": searchbar_filters,
        })
        return values

    @http.route(
        ["/my/complaints", "/my/complaints/page/<int:page>"], type="http", auth="user",
        website=True,
    )
    def portal_my_complaints(self, **kwargs):
        values = self._prepare_complaints_portal_rendering_values(**kwargs)
        request.session["my_complaints_history"] = values["complaints"].ids[:100]
        return request.render("customer_file_feedback.portal_my_complaints", values)

    @http.route(["/my/complaints/<int:complaint_id>"], type="http", auth="public", website=True)
    def portal_my_complaint(self, complaint_id, access_token=None, **kwargs):
        try:
            complaint_sudo = self._document_check_access(
                "customer.feedback", complaint_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        if complaint_sudo.feedback_type != "complaint":
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update({
            "complaint": complaint_sudo,
            "page_name": "complaint",
            "show_resolution": complaint_sudo.state in ("resolved", "closed"),
        })
        values = self._get_page_view_values(
            complaint_sudo, access_token, values, "my_complaints_history", False, **kwargs
        )
        return request.render("customer_file_feedback.portal_my_complaint", values)
