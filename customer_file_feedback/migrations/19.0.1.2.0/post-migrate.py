"""19.0.1.2.0: survey mails carry an unsubscribe link. The mail templates are loaded with
``noupdate`` (they may have been customized): add the link's paragraph at the end of their
body, in every language, where it is missing."""

from odoo.tools import SQL

UNSUBSCRIBE = (
    '<p style="font-size: 11px; color: #888888;">You receive this survey because you agreed '
    'to be asked for your opinion. <a t-att-href="object._unsubscribe_url()" '
    'style="color: #888888;">Unsubscribe from surveys</a></p>'
)


def migrate(cr, version):
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
