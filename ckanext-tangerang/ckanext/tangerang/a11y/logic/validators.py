from __future__ import annotations

import ckan.plugins.toolkit as tk


def tangerang_a11y_max_length(length: int):
    def validator(value):
        if value and len(value) > length:
            raise tk.Invalid(tk._("Must be at most {n} characters long; please shorten it.").format(n=length))
        return value
    return validator
