from __future__ import annotations

from ckan.logic.schema import validator_args


@validator_args
def barrier_report_schema(not_empty, ignore_missing, unicode_safe, strip_value,
                          email_validator, tangerang_a11y_max_length):
    return {
        "page_url": [not_empty, unicode_safe, strip_value, tangerang_a11y_max_length(500)],
        "description": [not_empty, unicode_safe, strip_value, tangerang_a11y_max_length(5000)],
        "assistive_tech": [ignore_missing, unicode_safe, strip_value, tangerang_a11y_max_length(200)],
        "name": [ignore_missing, unicode_safe, strip_value, tangerang_a11y_max_length(200)],
        "email": [ignore_missing, unicode_safe, strip_value, email_validator],
    }
