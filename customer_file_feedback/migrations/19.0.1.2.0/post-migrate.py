"""19.0.1.2.0: feedback, measures and the analyses follow the customer file's own customers
(customer_file 19.0.1.3.0), and survey mails carry an unsubscribe link. The record rules
and the mail templates are loaded with ``noupdate``: the rules are loaded again; the
templates (they may have been customized) get the link's paragraph at the end of their
body, in every language, where it is missing."""

from odoo.tools import SQL

from odoo.addons.customer_file.tools.migration import reload_noupdate_data

UNSUBSCRIBE = (
    '<p style="font-size: 11px; color: #888888;">You receive this survey because you agreed '
    'to be asked for your opinion. <a t-att-href="object._unsubscribe_url()" '
    'style="color: #888888;">Unsubscribe from surveys</a></p>'
)


def migrate(cr, version):
    reload_noupdate_data(cr, "customer_file_feedback", "security/customer_file_feedback_rules.xml")
    cr.execute(SQL(
        r"""
        UPDATE mail_template template
           SET body_html = (
                SELECT jsonb_object_agg(
                           body.key,
                           CASE WHEN body.value LIKE '%%_unsubscribe_url%%' THEN body.value
                                ELSE regexp_replace(body.value, '</div>\s*$', %(link)s || '</div>')
                           END)
                  FROM jsonb_each_text(template.body_html) body)
          FROM ir_model_data data
         WHERE data.model = 'mail.template'
           AND data.res_id = template.id
           AND data.module = 'customer_file_feedback'
           AND data.name IN ('mail_template_survey_csat', 'mail_template_survey_nps')
           AND template.body_html IS NOT NULL
        """,
        link=UNSUBSCRIBE,
    ))
