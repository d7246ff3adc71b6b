from django import template

from salter.channels.sms.panel import panel_context

register = template.Library()


@register.inclusion_tag("sms/case_reply.html", takes_context=True)
def sms_reply_panel(context, case):
    """The reply-by-SMS panel of the case page."""
    page = {"received": context.get("inbound_messages"), "sent": context.get("outbound_messages")}
    return {**panel_context(case, context.get("parties"), **page), "case": case,
            "membership": context.get("membership") or context.get("current_membership"),
            "csrf_token": context.get("csrf_token"), "request": context.get("request")}
