"""Web Disabilitas: the accessible theme (WCAG 2.2 AA) and the user's display preferences."""
